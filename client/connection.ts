import type { ServerMessage } from '../contract/protocol.js';
import { isMalformed, parseServerMessage } from './server-message.js';
import { openSocket, type Socket, type WebSocketConstructor } from './socket.js';

// One connection to the relay, from dial to close: it hands each message up, watches for silence
// and reports how it ended. Deciding whether to reconnect is the caller's business (relay-client.ts).

/** How a connection ended. */
export interface ConnectionOutcome {
  /** WebSocket close code (1006 when the socket died without a close frame). */
  code: number;
  reason: string;
  /** Whether a welcome arrived (the relay accepted the subscription). */
  welcomed: boolean;
  /** The HTTP status when the relay refused the upgrade (401, 403, 503, …; seen in Node only). */
  httpStatus?: number;
  /** The start of the refusal's body, for the message. */
  httpBody?: string;
  /** Set when the client ended it because the relay went silent for this long. */
  silentForMs?: number;
  /** The network error, if one ended it. */
  error?: string;
}

/** What a connection needs. */
export interface ConnectionOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  /** Third constructor argument for implementations that take one (ws: headers, ca, …). */
  socketOptions?: object;
  /** Longest wait for the upgrade and then the welcome. */
  welcomeTimeoutMs: number;
  /** Called for every valid message, with the frame's text. */
  onMessage(message: ServerMessage, raw: string): void;
  /** Called for frames that are not protocol messages. */
  onMalformed(problem: string): void;
}

/** A connection in progress. */
export interface Connection {
  readonly outcome: Promise<ConnectionOutcome>;
  /** Closes with 1000; the outcome resolves at once if the relay does not answer within `graceMs`. */
  close(graceMs?: number): void;
}

/** Dials the relay. Never throws: every failure ends up in `outcome`. */
export function openConnection(options: ConnectionOptions): Connection {
  const result: Omit<ConnectionOutcome, 'code' | 'reason'> = { welcomed: false };
  let finish: (outcome: ConnectionOutcome) => void = () => {};
  let ended = false;
  const outcome = new Promise<ConnectionOutcome>((resolve) => {
    finish = (value) => {
      if (ended) return;
      ended = true;
      stopWatch();
      resolve(value);
    };
  });

  // Silence watch: any frame proves the relay alive. Three quarters into the allowed silence (after
  // the relay's own ping should have come) the client probes: a protocol ping where the
  // implementation can send one (ws), else an application `ping` that the relay answers with `pong`
  // (browsers can neither send nor see protocol pings). At the limit the connection is dead.
  let silenceLimitMs = options.welcomeTimeoutMs;
  let probe: ReturnType<typeof setTimeout> | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let grace: ReturnType<typeof setTimeout> | undefined;
  let socket: Socket | undefined;
  const stopWatch = () => {
    clearTimeout(probe);
    clearTimeout(deadline);
    clearTimeout(grace);
  };
  const heard = () => {
    if (ended) return;
    stopWatch();
    probe = setTimeout(
      () => {
        if (!socket?.isOpen() || socket.ping()) return;
        if (result.welcomed) socket.send('{"type":"ping"}');
      },
      (silenceLimitMs * 3) / 4,
    );
    deadline = setTimeout(() => {
      result.silentForMs = silenceLimitMs;
      socket?.destroy();
      finish({ ...result, code: 1006, reason: '' });
    }, silenceLimitMs);
  };

  try {
    socket = openSocket(options.WebSocket, options.url, options.socketOptions, {
      open: heard,
      alive: heard,
      binary: () => (heard(), options.onMalformed('binary frame')),
      text(raw) {
        if (ended) return;
        heard();
        const parsed = parseServerMessage(raw);
        if (isMalformed(parsed)) return options.onMalformed(parsed.problem);
        if (parsed.type === 'welcome') {
          result.welcomed = true;
          silenceLimitMs = 2 * parsed.heartbeatMs;
          heard();
        }
        options.onMessage(parsed, raw);
      },
      refused(status, body) {
        result.httpStatus = status;
        result.httpBody = body;
      },
      error(message) {
        result.error ??= message;
      },
      close: (code, reason) => finish({ ...result, code, reason }),
    });
    heard();
  } catch (error) {
    finish({ ...result, code: 1006, reason: '', error: (error as Error).message });
  }

  return {
    outcome,
    close(graceMs = 1000) {
      if (ended || !socket) return;
      socket.close(1000, 'client stopping');
      const sock = socket;
      clearTimeout(grace);
      grace = setTimeout(() => {
        sock.destroy();
        finish({ ...result, code: 1000, reason: 'client stopping' });
      }, graceMs);
    },
  };
}
