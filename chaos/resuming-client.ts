import { WebSocket } from 'ws';
import { shouldReconnect } from '../contract/close-codes.js';
import type { EventMessage, ResetMessage, ServerMessage, WelcomeMessage } from '../contract/protocol.js';

// A protocol-v1 client that never gives up a position: it records every event, remembers the last
// id, and after any disconnect reconnects with `?since=<last id>` (or the position it started from,
// if nothing arrived yet). The chaos run and the fault tests use it as "a well-behaved consumer".

/** How a ResumingClient connects. */
export interface ResumingClientOptions {
  /** ws://host:port/ of the relay, without query. */
  url: string;
  /** Position to start from (`since`); omitted = live only. */
  since?: string;
  /** Extra query parameters (ops, filters, access_token). */
  query?: Record<string, string>;
  /** Reconnect delay bounds; full jitter between min and the capped exponential. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Called for each event, after it is recorded. */
  onEvent?: (event: EventMessage) => void;
}

/** Everything a client observed, for the checker. */
export interface ClientRecord {
  events: EventMessage[];
  resets: ResetMessage[];
  welcomes: WelcomeMessage[];
  closeCodes: number[];
  /** Frames that were not JSON (a relay bug). */
  malformed: string[];
  connections: number;
}

/** A self-reconnecting client; `stop()` ends it for good. */
export class ResumingClient {
  readonly record: ClientRecord = { events: [], resets: [], welcomes: [], closeCodes: [], malformed: [], connections: 0 };
  private socket: WebSocket | undefined;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastId: string | undefined;
  private refused = false;
  /** Distinct products seen, for cheap "has it caught up" checks. */
  readonly productIds = new Set<string>();
  private waiters: Array<{ predicate: () => boolean; resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(private readonly options: ResumingClientOptions) {}

  /** The position the next connection resumes from. */
  get position(): string | undefined {
    return this.lastId ?? this.options.since;
  }

  /** Opens the first connection; resolves once the welcome arrived, rejects if the relay refuses it. */
  start(): Promise<void> {
    const n = this.record.welcomes.length + 1;
    const welcomed = this.until(() => this.record.welcomes.length >= n);
    this.connect();
    return welcomed;
  }

  /**
   * Resolves when `predicate` holds (checked after every message and close); rejects if the client
   * stops for good first (a stop-code close or stop()), or after `timeoutMs` if given.
   */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(new Error(`condition not met within ${timeoutMs} ms (${this.record.events.length} events, ${this.record.connections} connections, close codes ${this.record.closeCodes.join(',') || 'none'})`));
      }, timeoutMs);
      const entry = {
        predicate,
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error: Error) => (clearTimeout(timer), reject(error)),
      };
      this.waiters.push(entry);
    });
  }

  /** Resolves once events for `count` distinct products have arrived (see until). */
  untilProducts(count: number, timeoutMs?: number): Promise<void> {
    return this.until(() => this.productIds.size >= count, timeoutMs);
  }

  /** Closes the connection and stops reconnecting. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.terminate();
    this.notify();
  }

  private connect(): void {
    if (this.stopped) return;
    const url = new URL(this.options.url);
    for (const [key, value] of Object.entries(this.options.query ?? {})) url.searchParams.set(key, value);
    const since = this.position;
    if (since !== undefined) url.searchParams.set('since', since);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.on('message', (data) => this.receive(String(data)));
    socket.on('error', () => {}); // a close follows; reconnecting is decided there
    socket.on('close', (code) => {
      this.record.closeCodes.push(code);
      if (this.socket === socket) this.socket = undefined;
      if (!this.stopped && !shouldReconnect(code)) this.refused = true;
      if (this.stopped || this.refused) return this.notify();
      this.scheduleReconnect();
    });
  }

  private receive(text: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      this.record.malformed.push(text.slice(0, 200));
      return;
    }
    if (message.type === 'welcome') {
      this.attempt = 0;
      this.record.connections += 1;
      this.record.welcomes.push(message);
    } else if (message.type === 'event') {
      this.lastId = message.id;
      this.record.events.push(message);
      this.productIds.add(message.key.id);
      this.options.onEvent?.(message);
    } else if (message.type === 'reset') {
      this.record.resets.push(message);
    }
    this.notify();
  }

  private notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.predicate()) waiter.resolve();
      else if (this.stopped || this.refused) waiter.reject(new Error(`client stopped (close codes ${this.record.closeCodes.join(',')})`));
      else this.waiters.push(waiter);
    }
  }

  private scheduleReconnect(): void {
    const min = this.options.minDelayMs ?? 20;
    const max = this.options.maxDelayMs ?? 1_000;
    const cap = Math.min(max, min * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), min + Math.random() * Math.max(0, cap - min));
  }
}
