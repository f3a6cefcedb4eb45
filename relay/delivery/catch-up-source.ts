import type { ClusterTime, ResumePosition } from '../../contract/stream-position.js';
import type { EventMessage, ResetReason } from '../../contract/protocol.js';

// The seam between the hub and whatever reads the past (a MongoDB change stream in production, a
// scripted log in tests): open a cursor at a client's position, read batches in order.

/** Where a catch-up begins: just after an event id (startAfter), or just after a cluster time. */
export type CatchUpStart = ResumePosition;

/** One event read by a catch-up stream, with its cluster time when known. */
export interface TimedEvent {
  event: EventMessage;
  time?: ClusterTime;
}

/** A catch-up stream. */
export interface CatchUpCursor {
  /**
   * Optional: resolves once the log accepted the start position (MongoDB answered the stream's
   * aggregate), without waiting for events; rejects with PositionLostError when the position is gone
   * or unknown. Without it, clients are welcomed after the first next().
   */
  opened?(): Promise<void>;
  /**
   * The next events in order. An empty array means the stream has read to the head of the log and
   * found nothing more (it waits a little before answering so). Rejects with PositionLostError when
   * the start position is gone or unknown.
   */
  next(): Promise<TimedEvent[]>;
  close(): Promise<void>;
}

/** Opens catch-up streams. */
export interface CatchUpOpener {
  open(start: CatchUpStart): CatchUpCursor;
}

/** The position a catch-up was asked for is not available: the client must reset. */
export class PositionLostError extends Error {
  constructor(
    readonly reason: ResetReason,
    message: string,
  ) {
    super(message);
    this.name = 'PositionLostError';
  }
}
