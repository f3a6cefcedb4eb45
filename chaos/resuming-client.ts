import { WebSocket } from 'ws';
import { createRelayClient, type RelayClient } from '../client/index.js';
import type { EventMessage, ResetMessage, WelcomeMessage } from '../contract/protocol.js';

// "A well-behaved consumer" for the chaos run and the fault tests, driven by the client library
// (client/): it never gives up a position, resuming after the last event delivered, and records
// everything it observed for the checker.

/** How a ResumingClient connects. */
export interface ResumingClientOptions {
  /** ws://host:port/ of the relay, without query. */
  url: string;
  /** Position to start from (`since`); omitted = live only. */
  since?: string;
  /** Extra query parameters (ops, filters, access_token). */
  query?: Record<string, string>;
  /** Reconnect delay bounds: full jitter under an exponential ceiling from min, capped at max. */
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
  /** Codes of the connections that ended (1006 for a dead one or a refused upgrade). */
  closeCodes: number[];
  /** Frames that were not protocol messages (a relay bug). */
  malformed: string[];
  connections: number;
}

/** A self-reconnecting client; `stop()` ends it for good. */
export class ResumingClient {
  readonly record: ClientRecord = { events: [], resets: [], welcomes: [], closeCodes: [], malformed: [], connections: 0 };
  /** Distinct products seen, for cheap "has it caught up" checks. */
  readonly productIds = new Set<string>();
  private readonly client: RelayClient;
  private finished = false;
  private waiters: Array<{ predicate: () => boolean; resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(options: ResumingClientOptions) {
    const url = new URL(options.url);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    this.client = createRelayClient({
      url: url.toString(),
      since: options.since,
      WebSocket,
      retryBaseMs: options.minDelayMs ?? 20,
      retryCapMs: options.maxDelayMs ?? 1_000,
    });
    this.client.on('welcome', (welcome) => {
      this.record.connections += 1;
      this.record.welcomes.push(welcome);
      this.notify();
    });
    this.client.on('event', (event) => {
      this.record.events.push(event);
      this.productIds.add(event.key.id);
      options.onEvent?.(event);
      this.notify();
    });
    this.client.on('reset', ({ resync: _resync, ...reset }) => {
      this.record.resets.push(reset);
      this.notify();
    });
    this.client.on('malformed', (problem) => this.record.malformed.push(problem));
    this.client.on('retry', ({ code }) => this.record.closeCodes.push(code));
    this.client.on('end', (end) => {
      if (end.kind === 'refused') this.record.closeCodes.push(end.code);
      this.finished = true;
      this.notify();
    });
  }

  /** The position the next connection resumes from. */
  get position(): string | undefined {
    return this.client.position;
  }

  /** Opens the first connection; resolves once the welcome arrived, rejects if the relay refuses it. */
  start(): Promise<void> {
    const n = this.record.welcomes.length + 1;
    const welcomed = this.until(() => this.record.welcomes.length >= n);
    void this.client.start();
    return welcomed;
  }

  /**
   * Resolves when `predicate` holds (checked after every message and close); rejects if the client
   * stops for good first (a stop-code close or stop()), or after `timeoutMs` if given.
   */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void> {
    if (predicate()) return Promise.resolve();
    if (this.finished) return Promise.reject(this.stoppedError());
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiters = this.waiters.filter((waiter) => waiter !== entry);
              reject(
                new Error(
                  `condition not met within ${timeoutMs} ms (${this.record.events.length} events, ${this.record.connections} connections, close codes ${this.record.closeCodes.join(',') || 'none'})`,
                ),
              );
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
    this.finished = true;
    void this.client.stop();
    this.notify();
  }

  private stoppedError(): Error {
    return new Error(`client stopped (close codes ${this.record.closeCodes.join(',')})`);
  }

  private notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.predicate()) waiter.resolve();
      else if (this.finished) waiter.reject(this.stoppedError());
      else this.waiters.push(waiter);
    }
  }
}
