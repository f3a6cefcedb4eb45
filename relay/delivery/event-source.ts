import type { ClusterTime } from '../../contract/stream-position.js';
import type { EventMessage, ResetReason } from '../../contract/protocol.js';

// The seam where events enter the relay. The change-stream feed implements it in production; tests
// and benchmarks implement it directly, so they exercise the same fan-out path as real changes.

/** What an event source reports to the relay. */
export interface FeedListener {
  /**
   * Events in order, already shaped as protocol messages. `times[i]`, when given, is the cluster time
   * of events[i] (MongoDB sources know it; it lets the relay place `time:` positions in its history).
   */
  onEvents(events: EventMessage[], times?: (ClusterTime | undefined)[]): void;
  /** The source lost its own position (history gone): every client must resync. */
  onReset(reason: ResetReason, message: string): void;
  /** The source is (or is no longer) tailing: drives /readyz. */
  onStatus(ready: boolean): void;
  /**
   * Optional: the source has just read up to the head of the log and found nothing more, so it has
   * delivered every change committed before that read began. Lets catch-up streams hand over to live
   * on a quiet system (see relay/delivery/catch-up-pool.ts).
   */
  onCaughtUp?(): void;
}

/** A live feed of events. */
export interface EventSource {
  start(listener: FeedListener): Promise<void>;
  close(): Promise<void>;
}
