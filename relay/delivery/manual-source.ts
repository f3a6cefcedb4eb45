import type { ClusterTime } from '../../contract/stream-position.js';
import type { EventSource, FeedListener } from './event-source.js';
import type { EventMessage, ResetReason } from '../../contract/protocol.js';

// An event source driven by hand: tests and benchmarks push events into the relay through the same
// seam, and so the same fan-out path, as change-stream events.

/** An EventSource whose events, resets and status are pushed by its owner. */
export interface ManualSource extends EventSource {
  /**
   * Delivers events (in order) to the relay, as one batch, optionally with their cluster times.
   * Throws before start() or after close().
   */
  push(events: EventMessage | EventMessage[], times?: (ClusterTime | undefined)[]): void;
  /** Tells the relay the source lost its position: every client gets a `reset`. */
  reset(reason?: ResetReason, message?: string): void;
  /** Sets what /readyz reports. */
  setReady(ready: boolean): void;
  /** Says the source has delivered everything so far (FeedListener.onCaughtUp). */
  caughtUp(): void;
  readonly started: boolean;
}

/** Creates a manual source; it reports ready as soon as the relay starts it (unless told otherwise). */
export function createManualSource({ ready = true }: { ready?: boolean } = {}): ManualSource {
  let listener: FeedListener | undefined;
  let isReady = ready;

  function active(): FeedListener {
    if (!listener) throw new Error('manual source is not started (or already closed)');
    return listener;
  }

  return {
    async start(next) {
      listener = next;
      next.onStatus(isReady);
    },
    async close() {
      listener?.onStatus(false);
      listener = undefined;
    },
    push(events, times) {
      active().onEvents(Array.isArray(events) ? events : [events], times);
    },
    reset(reason = 'relay-position-lost', message = 'the relay lost its position in the change stream') {
      active().onReset(reason, message);
    },
    setReady(next) {
      isReady = next;
      listener?.onStatus(next);
    },
    caughtUp() {
      active().onCaughtUp?.();
    },
    get started() {
      return listener !== undefined;
    },
  };
}
