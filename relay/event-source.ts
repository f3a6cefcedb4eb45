import type { EventMessage, ResetReason } from './protocol.js';

// The seam where events enter the relay. The change-stream feed implements it in production; tests
// and benchmarks implement it directly, so they exercise the same fan-out path as real changes.

/** What an event source reports to the relay. */
export interface FeedListener {
  /** Events in order, already shaped as protocol messages. */
  onEvents(events: EventMessage[]): void;
  /** The source lost its own position (history gone): every client must resync. */
  onReset(reason: ResetReason, message: string): void;
  /** The source is (or is no longer) tailing: drives /readyz. */
  onStatus(ready: boolean): void;
}

/** A live feed of events. */
export interface EventSource {
  start(listener: FeedListener): Promise<void>;
  close(): Promise<void>;
}
