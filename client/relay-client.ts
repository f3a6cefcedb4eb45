import { CloseCode } from '../contract/close-codes.js';
import type { EventMessage, Operation, ResetMessage, WelcomeMessage } from '../contract/protocol.js';
import { backoffDelay } from './backoff.js';
import { judgeOutcome } from './close-verdict.js';
import { openConnection, type Connection, type ConnectionOutcome } from './connection.js';
import { Emitter } from './emitter.js';
import { MessageQueue } from './message-queue.js';
import { relayUrl } from './relay-url.js';
import type { WebSocketConstructor } from './socket.js';

// A client of the relay's protocol v1 that keeps its position: it delivers each event once, in
// order, and after any disconnect reconnects with full-jitter backoff and `?since=<last event
// delivered>`, so nothing is lost or repeated across relay restarts. The close-code table decides
// what is worth retrying; a `reset` is handed to the application, which may resync.

/** An access token, or a function that gives a fresh one (called before every connection; undefined: none). */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** How to reach the relay and what to subscribe to. */
export interface RelayClientOptions {
  /** ws:// or wss:// URL of the relay (a query it has is kept). */
  url: string;
  token?: TokenSource;
  /** Where the token goes: `?access_token=` (works everywhere) or an Authorization header (ws only). */
  tokenIn?: 'query' | 'header';
  /** Operation types; omitted means the relay's default (inserts only). */
  ops?: readonly Operation[];
  /** Exact-match conditions on product fields. */
  where?: Readonly<Record<string, string>>;
  /** Position to start after: an event id, or the API's `time:<t>.<i>` stream position. */
  since?: string;
  /** Aborting it stops the client, like stop(). */
  signal?: AbortSignal;
  /** WebSocket implementation; defaults to the global one (browsers, Node 22+). Pass `ws` in Node 20. */
  WebSocket?: WebSocketConstructor;
  /** Third constructor argument for implementations that take one (ws: `ca`, `headers`, …). */
  webSocketOptions?: Record<string, unknown>;
  /** First reconnect delay ceiling (default 500 ms) and longest delay (default 30 s). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** Source of randomness in [0, 1) for the jitter. */
  random?: () => number;
  /** Longest wait for the upgrade and the welcome (default 10 s). */
  welcomeTimeoutMs?: number;
  /** A connection welcomed and up this long resets the backoff (default 5 s). */
  stableAfterMs?: number;
  /** Most messages the async iterator buffers for a slow reader (default 10 000). */
  bufferLimit?: number;
}

/** Where the client stands. `resuming`: reconnecting with a position; `connecting`: without one. */
export type ConnectionState = 'idle' | 'connecting' | 'live' | 'resuming' | 'stopped';

/** Why the client ended: asked to stop, or refused by the relay for good (with the reason). */
export type ClientEnd = { kind: 'stopped' } | { kind: 'refused'; message: string; code: number; httpStatus?: number };

/** A reset as the client hands it on: the relay's message, and the way to continue from a snapshot. */
export interface ResetNotice extends ResetMessage {
  /** Reconnects after `position` (the API's stream position of a freshly loaded snapshot). */
  resync(position: string): void;
}

/** What the client reports, by event name. */
export type RelayClientEvents = {
  event: (event: EventMessage, raw: string) => void;
  reset: (reset: ResetNotice, raw: string) => void;
  welcome: (welcome: WelcomeMessage) => void;
  state: (state: ConnectionState) => void;
  /** A connection ended and another follows after `delayMs`; `message` says why. */
  retry: (retry: { message: string; delayMs: number; attempt: number; resuming: boolean; code: number; httpStatus?: number }) => void;
  /** A frame that is not a protocol message (ignored). */
  malformed: (problem: string) => void;
  end: (end: ClientEnd) => void;
};

/** A relay client, created idle: `start()` (or iterating it) connects. */
export class RelayClient extends Emitter<RelayClientEvents> implements AsyncIterable<EventMessage | ResetNotice> {
  private readonly options: RelayClientOptions;
  private readonly WebSocket: WebSocketConstructor;
  private current: ConnectionState = 'idle';
  private lastId: string | undefined;
  private resumeFrom: string | undefined;
  private attempt = 0;
  private stopping = false;
  private resyncing = false;
  private connection: Connection | undefined;
  private wake: (() => void) | undefined;
  private ended: Promise<ClientEnd> | undefined;

  constructor(options: RelayClientOptions) {
    super();
    this.options = options;
    const Impl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Impl) throw new TypeError('no WebSocket implementation: pass one as the WebSocket option (e.g. ws in Node 20)');
    this.WebSocket = Impl;
    this.resumeFrom = options.since;
    if (options.signal?.aborted) this.stopping = true;
    const onAbort = () => void this.stop();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // A long-lived signal (a page's) must not keep every client it ever stopped.
    this.on('end', () => options.signal?.removeEventListener('abort', onAbort));
  }

  /** The position the next connection resumes after (the last event delivered, else `since`). */
  get position(): string | undefined {
    return this.resumeFrom;
  }

  /** The id of the last event delivered. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Connects and runs until stop(), the signal, or a refusal; calling it again returns the same run. */
  start(): Promise<ClientEnd> {
    this.ended ??= this.loop().then((end) => {
      this.setState('stopped');
      this.emit('end', end);
      return end;
    });
    return this.ended;
  }

  /** Closes the connection and resolves when the run has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    this.connection?.close();
    await this.ended;
  }

  /** Drops the current connection and reconnects at once after `position` (see ResetNotice). */
  resync(position: string): void {
    this.resumeFrom = position;
    this.resyncing = true;
    this.attempt = 0;
    // Detached first, so nothing the old connection still delivers reaches the application.
    const old = this.connection;
    this.connection = undefined;
    old?.close(0);
    this.wake?.();
  }

  /** Events and resets as an async iterator (starts the client; leaving the loop stops it). */
  [Symbol.asyncIterator](): AsyncIterableIterator<EventMessage | ResetNotice> {
    const queue = new MessageQueue<EventMessage | ResetNotice>(this.options.bufferLimit ?? 10_000, () => void this.stop());
    const off = [
      this.on('event', (event) => {
        if (!queue.push(event)) void this.stop();
      }),
      this.on('reset', (reset) => {
        if (!queue.push(reset)) void this.stop();
      }),
    ];
    void this.start().then((end) => {
      for (const unsubscribe of off) unsubscribe();
      if (end.kind === 'refused') queue.fail(new Error(end.message));
      else queue.end();
    });
    return queue;
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.emit('state', state);
  }

  private async connectOnce(): Promise<ConnectionOutcome> {
    const { tokenIn = 'query', webSocketOptions } = this.options;
    this.resyncing = false;
    this.setState(this.resumeFrom === undefined ? 'connecting' : 'resuming');
    let token: string | undefined;
    try {
      token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    } catch (error) {
      return { code: 1006, reason: '', welcomed: false, error: `token provider failed: ${(error as Error).message}` };
    }
    const url = new URL(relayUrl(this.options.url, { ops: this.options.ops, where: this.options.where }, this.resumeFrom));
    const headers = token && tokenIn === 'header' ? { Authorization: `Bearer ${token}` } : undefined;
    if (token && tokenIn === 'query') url.searchParams.set('access_token', token);
    const welcomeTimeoutMs = this.options.welcomeTimeoutMs ?? 10_000;
    const socketOptions =
      headers || webSocketOptions
        ? { handshakeTimeout: welcomeTimeoutMs, ...webSocketOptions, ...(headers ? { headers } : {}) }
        : undefined;
    let stable: ReturnType<typeof setTimeout> | undefined;
    const connection = openConnection({
      url: url.toString(),
      WebSocket: this.WebSocket,
      socketOptions,
      welcomeTimeoutMs,
      onMalformed: (problem) => this.emit('malformed', problem),
      onMessage: (message, raw) => {
        if (this.connection !== connection) return; // a resync replaced it
        switch (message.type) {
          case 'welcome':
            stable = setTimeout(() => (this.attempt = 0), this.options.stableAfterMs ?? 5_000);
            this.setState('live');
            this.emit('welcome', message);
            return;
          case 'event':
            this.emit('event', message, raw);
            this.lastId = this.resumeFrom = message.id;
            this.attempt = 0;
            return;
          case 'reset':
            // The position is kept: until a newer event arrives, resuming from it still means "reload".
            this.emit('reset', { ...message, resync: (position) => this.resync(position) }, raw);
            return;
          case 'pong':
            return;
        }
      },
    });
    this.connection = connection;
    if (this.stopping) connection.close();
    const outcome = await connection.outcome;
    clearTimeout(stable);
    if (this.connection === connection) this.connection = undefined;
    return outcome;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async loop(): Promise<ClientEnd> {
    const { retryBaseMs = 500, retryCapMs = 30_000, random } = this.options;
    let refusedTokens = 0;
    while (!this.stopping) {
      const outcome = await this.connectOnce();
      if (this.stopping) break;
      if (this.resyncing) continue; // closed on purpose to reconnect from a new position
      const verdict = judgeOutcome(outcome);
      // A refused token is final for a fixed token, but a provider may have a fresh one: one more
      // try each time a connection was accepted in between.
      const unauthorized = outcome.httpStatus === 401 || outcome.code === CloseCode.unauthorized;
      refusedTokens = unauthorized ? refusedTokens + 1 : 0;
      const refreshable = unauthorized && typeof this.options.token === 'function' && (refusedTokens === 1 || outcome.welcomed);
      const { code, httpStatus } = outcome;
      if (verdict.stop && !refreshable)
        return { kind: 'refused', message: verdict.message, code, ...(httpStatus === undefined ? {} : { httpStatus }) };
      const delayMs = backoffDelay(this.attempt++, { baseMs: retryBaseMs, capMs: retryCapMs, random });
      const message = refreshable ? `${verdict.message.replace(/; not retrying$/, '')}; asking for a fresh token` : verdict.message;
      this.setState(this.resumeFrom === undefined ? 'connecting' : 'resuming');
      this.emit('retry', { message, delayMs, attempt: this.attempt, resuming: this.resumeFrom !== undefined, code, httpStatus });
      await this.pause(delayMs);
    }
    return { kind: 'stopped' };
  }
}

/** Creates a relay client; nothing is opened until start() or iteration. */
export function createRelayClient(options: RelayClientOptions): RelayClient {
  return new RelayClient(options);
}
