import type { Product } from '../contract/product.js';
import type { EventMessage, ResetReason } from '../contract/protocol.js';
import { backoffDelay } from './backoff.js';
import { Emitter } from './emitter.js';
import { RelayClient, type ConnectionState, type RelayClientOptions } from './relay-client.js';
import { loadSnapshot, SnapshotError, type FetchLike } from './snapshot.js';

// Snapshot + subscribe in one call: read every page of GET /api/product/ with the stream position of
// its snapshot, subscribe to every operation with `since=` that position, and keep a Map of products
// equal to MongoDB's: no gap, no duplicate. After a reset it reloads the snapshot and resubscribes
// from the new position by itself; events that arrive meanwhile are dropped, since the new position
// covers them.

/** What the collection is doing: the relay client's state, plus loading a snapshot. */
export type LiveStatus = 'loading' | 'resyncing' | Exclude<ConnectionState, 'idle'>;

/** One change to the collection, as observers see it. */
export type LiveChange =
  | { kind: 'upsert'; id: string; product: Product; event: EventMessage }
  | { kind: 'delete'; id: string; event: EventMessage }
  | { kind: 'snapshot'; count: number; reason?: ResetReason };

/** Called with the current state (at once on subscribe) and then after each change. */
export type LiveObserver = (products: ReadonlyMap<string, Product>, change: LiveChange | undefined) => void;

/** How to reach both services. Subscription filters are not offered: a product that moves out of a filter would go stale. */
export interface LiveCollectionOptions extends Omit<RelayClientOptions, 'url' | 'since' | 'ops' | 'where'> {
  /** http(s)://host:port of the API. */
  apiUrl: string;
  /** ws(s)://host:port of the relay. */
  relayUrl: string;
  /** fetch implementation (default: the global one). */
  fetch?: FetchLike;
  /** Largest catalogue accepted (default 100 000 products). */
  maxProducts?: number;
}

/** What the collection reports, by event name. */
export type LiveCollectionEvents = {
  status: (status: LiveStatus) => void;
  /** A snapshot read failed; `retry` says whether another is attempted after `delayMs`. */
  error: (error: { message: string; retry: boolean; delayMs?: number }) => void;
  /** Every relay event applied, and every reset received. */
  event: (event: EventMessage) => void;
  reset: (reason: ResetReason, message: string) => void;
};

/** A product collection kept equal to the database; create it with createLiveCollection. */
export class LiveCollection extends Emitter<LiveCollectionEvents> {
  private readonly map = new Map<string, Product>();
  private readonly observers = new Set<LiveObserver>();
  private readonly client: RelayClient;
  private readonly abort = new AbortController();
  private current: LiveStatus = 'loading';
  private resyncing = true;
  private wasLive = false;
  private readonly fetch: FetchLike;
  private readonly onAbort = () => void this.stop();
  private readyResolve!: () => void;
  private readyReject!: (error: Error) => void;
  /** Resolves once the first snapshot is loaded and the relay has welcomed the subscription. */
  readonly ready: Promise<void>;

  constructor(private readonly options: LiveCollectionOptions) {
    super();
    this.ready = new Promise((resolve, reject) => ((this.readyResolve = resolve), (this.readyReject = reject)));
    this.ready.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
    const fetcher = options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
    if (!fetcher) throw new TypeError('no fetch implementation: pass one as the fetch option');
    this.fetch = fetcher;
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.client = new RelayClient({
      ...options,
      url: options.relayUrl,
      ops: ['insert', 'update', 'replace', 'delete'],
      signal: this.abort.signal,
    });
    this.client.on('event', (event) => this.apply(event));
    this.client.on('reset', (reset) => {
      this.emit('reset', reset.reason, reset.message);
      void this.resync(reset.reason);
    });
    this.client.on('state', (state) => {
      if (this.resyncing && state !== 'stopped') return;
      if (state === 'live') this.wasLive = true;
      // The first connection always carries the snapshot's position; it is not yet a resume.
      this.setStatus(state === 'idle' ? 'loading' : state === 'resuming' && !this.wasLive ? 'connecting' : state);
    });
    this.client.on('welcome', () => {
      if (!this.resyncing) this.readyResolve();
    });
    this.client.on('end', (end) => {
      if (end.kind === 'refused') this.readyReject(new Error(end.message));
      else this.readyReject(new Error('stopped'));
    });
    void this.resync(undefined);
  }

  /** The products by id; read-only, current. */
  get products(): ReadonlyMap<string, Product> {
    return this.map;
  }

  get status(): LiveStatus {
    return this.current;
  }

  /** Calls `observer` now with the current state and after every change; returns the unsubscribe. */
  subscribe(observer: LiveObserver): () => void {
    this.observers.add(observer);
    observer(this.map, undefined);
    return () => this.observers.delete(observer);
  }

  /** Stops the relay client and any snapshot read. */
  async stop(): Promise<void> {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.abort.abort();
    await this.client.stop();
    this.setStatus('stopped');
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.current || this.current === 'stopped') return;
    this.current = status;
    this.emit('status', status);
  }

  private notify(change: LiveChange): void {
    for (const observer of [...this.observers]) {
      try {
        observer(this.map, change);
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }

  private apply(event: EventMessage): void {
    if (this.resyncing) return;
    const id = event.key.id;
    // An update whose product was gone at lookup time carries none; its delete follows.
    if (event.op === 'delete' || event.product === null) {
      this.map.delete(id);
      this.notify({ kind: 'delete', id, event });
    } else {
      this.map.set(id, event.product);
      this.notify({ kind: 'upsert', id, product: event.product, event });
    }
    this.emit('event', event);
  }

  private async resync(reason: ResetReason | undefined): Promise<void> {
    if (this.resyncing && reason !== undefined) return; // one reload at a time
    this.resyncing = true;
    this.setStatus(reason === undefined ? 'loading' : 'resyncing');
    const fetcher = this.fetch;
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        const snapshot = await loadSnapshot({
          apiUrl: this.options.apiUrl,
          fetch: fetcher,
          signal: this.abort.signal,
          maxProducts: this.options.maxProducts,
        });
        this.map.clear();
        for (const product of snapshot.products) this.map.set(product.id, product);
        this.resyncing = false;
        this.notify({ kind: 'snapshot', count: this.map.size, reason });
        if (this.client.state === 'idle') {
          this.client.resync(snapshot.position);
          void this.client.start();
        } else {
          this.client.resync(snapshot.position);
        }
        return;
      } catch (error) {
        if (this.abort.signal.aborted) return;
        const retry = !(error instanceof SnapshotError) || error.retry;
        const delayMs = retry
          ? backoffDelay(attempt, {
              baseMs: this.options.retryBaseMs ?? 500,
              capMs: this.options.retryCapMs ?? 30_000,
              random: this.options.random,
            })
          : undefined;
        this.emit('error', { message: (error as Error).message, retry, delayMs });
        if (!retry) {
          this.readyReject(error as Error);
          await this.stop();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}

/** Loads the catalogue and follows it live; see LiveCollection. */
export function createLiveCollection(options: LiveCollectionOptions): LiveCollection {
  return new LiveCollection(options);
}
