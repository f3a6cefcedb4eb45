import type { Buckets } from './latency-buckets.js';
import type { Dialect } from './ws-counter.js';

// What the coordinator can ask of the load process (load-process.ts), and what it answers.

/** A run's clients: where to connect and what each must receive. */
export interface ConnectArgs {
  port: number;
  path: string;
  dialect: Dialect;
  clients: number;
  /** How many of them stop reading once connected (slow consumers). */
  slow: number;
  /** Events each healthy client must receive. */
  expected: number;
  /** Record per-event last-receipt times (latency). */
  receipts: boolean;
  /** Connections handshaking at once. */
  concurrency: number;
  timeoutMs: number;
  /** Target address (default 127.0.0.1) and the source address to connect from. */
  host?: string;
  localAddress?: string;
  /** Remember each client's position, for `drop` and `reopen`. */
  track?: boolean;
  /** Tear down and forget clients not ready when `timeoutMs` ends (a target reported at the size it reached). */
  dropUnready?: boolean;
  /** Record every delivery's receipt time, for `latency` (expected × clients numbers). */
  deliveryTimes?: boolean;
}

/** What reconnecting every dropped client did. */
export interface ReopenReport {
  ready: number;
  failed: number;
  /** Clients reopened without a position to resume from (they would miss events). */
  withoutPosition: number;
  /** Reconnect attempts made again after a failed one (backoff, as the client library does). */
  retried: number;
  error: string | null;
}

/** Outcome of connecting. */
export interface ConnectReport {
  ready: number;
  failed: number;
  error: string | null;
}

/** What the healthy and slow clients received. */
export interface CollectReport {
  healthy: number;
  /** Healthy clients that received all `expected` events. */
  complete: number;
  /** Events received by healthy clients. */
  received: number;
  /** Events healthy clients are missing. */
  lost: number;
  /** Events that arrived with a sequence number other than the next expected (any client). */
  outOfOrder: number;
  /** Healthy clients closed before receiving everything. */
  closedEarly: number;
  /** Latest receipt by a healthy client, on the shared clock. */
  lastReceipt: number;
  /** Nothing arrived for `stallMs` before every healthy client had everything. */
  stalled: boolean;
  /** Per-event latest receipt by any healthy client (when receipts were asked for). */
  receipts?: number[];
  /** Per-event earliest receipt by any healthy client. */
  firstReceipts?: number[];
  error: string | null;
}

/** What happened to the slow clients once they read again. */
export interface SlowReport {
  /** Close code each slow client saw (null: cut without a close frame, or still open). */
  closeCodes: (number | null)[];
  /** Slow clients the target had not disconnected when they stopped receiving. */
  stillOpen: number;
  /** Events each slow client received before it was closed. */
  received: number[];
  outOfOrder: number;
}

/** The operations the load process serves. */
export type LoadOps = {
  connect: { args: ConnectArgs; result: ConnectReport };
  /** Waits until every healthy client has `expected` events (default: connect's). */
  collect: { args: { timeoutMs: number; stallMs?: number; expected?: number }; result: CollectReport };
  /** Tears every healthy client's connection down at once, keeping what it received and its position. */
  drop: { args: null; result: null };
  /** Reopens every dropped client at once from its position (relay: ?since=; Socket.IO: its session and offset). */
  reopen: { args: { timeoutMs: number }; result: ReopenReport };
  /** Per-delivery latency (receipt minus `pushTimes[seq]`), as buckets. */
  latency: { args: { pushTimes: number[] }; result: Buckets };
  resumeSlow: { args: { holdMs: number; timeoutMs: number }; result: SlowReport };
  disconnect: { args: null; result: null };
  memory: { args: null; result: number };
  /** CPU time used so far (user + system), ms. */
  cpu: { args: null; result: number };
};
