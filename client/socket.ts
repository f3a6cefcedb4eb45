// The one place that knows what a WebSocket implementation looks like. The library needs only the
// browser's WebSocket API (addEventListener, send, close, readyState), which both browsers and the
// `ws` package implement. Where the implementation also has ws's Node extras (`on`, `ping`,
// `terminate`, the `unexpected-response` event), they are used: protocol-level pings instead of
// application pings, an immediate teardown, and the HTTP status of a refused upgrade, which a
// browser never reveals. Everything ws-specific is feature-detected here and nowhere else.

/** The subset of the standard WebSocket the library uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
}

/** A WebSocket constructor: the browser's global, or `ws`'s (whose third argument takes options). */
export type WebSocketConstructor = new (url: string, ...rest: never[]) => WebSocketLike;

/** The Node extras of `ws`, when present. */
interface NodeExtras {
  on(event: 'unexpected-response', listener: (request: unknown, response: RefusalResponse) => void): void;
  on(event: 'ping' | 'pong', listener: () => void): void;
  ping(): void;
  terminate(): void;
}

interface RefusalResponse {
  statusCode?: number;
  setEncoding(encoding: string): void;
  on(event: 'data', listener: (chunk: string) => void): void;
  on(event: 'end' | 'close', listener: () => void): void;
  destroy(): void;
}

/** What an open attempt reports back to the connection. */
export interface SocketHandlers {
  open(): void;
  text(data: string): void;
  binary(): void;
  /** A protocol-level ping or pong (only seen with ws). */
  alive(): void;
  /** The upgrade was refused with an HTTP answer (only seen with ws). */
  refused(status: number, body: string): void;
  error(message: string): void;
  close(code: number, reason: string): void;
}

/** One socket as the connection drives it. */
export interface Socket {
  isOpen(): boolean;
  send(text: string): void;
  /** Sends a protocol-level ping if the implementation can; false when the caller must ping in-band. */
  ping(): boolean;
  close(code: number, reason: string): void;
  /** Tears the socket down without a closing handshake where possible. */
  destroy(): void;
}

const OPEN = 1;
const MAX_REFUSAL_BODY = 300;

function extrasOf(socket: WebSocketLike): NodeExtras | undefined {
  const candidate = socket as unknown as Partial<NodeExtras>;
  return typeof candidate.on === 'function' && typeof candidate.ping === 'function' && typeof candidate.terminate === 'function'
    ? (candidate as NodeExtras)
    : undefined;
}

/** Opens `url` with `Impl`; `options` is handed to implementations that take a third argument (ws). */
export function openSocket(Impl: WebSocketConstructor, url: string, options: object | undefined, on: SocketHandlers): Socket {
  const socket = options === undefined ? new Impl(url) : new Impl(url, undefined as never, options as never);
  const extras = extrasOf(socket);
  socket.addEventListener('open', () => on.open());
  socket.addEventListener('message', (event: { data: unknown }) => {
    if (typeof event.data === 'string') on.text(event.data);
    else on.binary();
  });
  socket.addEventListener('error', (event: { message?: unknown }) => {
    on.error(typeof event.message === 'string' && event.message ? event.message : 'connection error');
  });
  socket.addEventListener('close', (event: { code: number; reason: string }) => on.close(event.code, event.reason));
  if (extras) {
    extras.on('ping', () => on.alive());
    extras.on('pong', () => on.alive());
    // Listening replaces ws's generic error: keep the status and a bounded part of the body.
    extras.on('unexpected-response', (_request, response) => {
      let body = '';
      let reported = false;
      const finish = () => {
        if (reported) return;
        reported = true;
        on.refused(response.statusCode ?? 0, body.trim().slice(0, MAX_REFUSAL_BODY));
        extras.terminate();
      };
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        body += chunk;
        if (body.length > MAX_REFUSAL_BODY) response.destroy();
      });
      response.on('end', finish);
      response.on('close', finish);
    });
  }
  return {
    isOpen: () => socket.readyState === OPEN,
    send: (text) => socket.send(text),
    ping() {
      if (!extras) return false;
      if (socket.readyState === OPEN) extras.ping();
      return true;
    },
    close: (code, reason) => socket.close(code, reason),
    destroy() {
      if (extras) extras.terminate();
      else socket.close(1000, 'gone silent');
    },
  };
}
