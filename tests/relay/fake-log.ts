import type { ClusterTime } from '../../contract/stream-position.js';
import { PositionLostError, type CatchUpOpener, type TimedEvent } from '../../relay/delivery/catch-up-source.js';
import type { ManualSource } from '../../relay/delivery/manual-source.js';
import type { EventMessage } from '../../contract/protocol.js';
import { productEvent } from './relay-harness.js';

// A scripted change log for catch-up tests without MongoDB: the "oplog" is an array, catch-up
// cursors read it like change streams (awaitData included), and the live feed is the manual source,
// which can be made to lag behind the log. It counts open cursors so tests can check the bound.
// The event at index n has cluster time (1000, n + 1), so `time:1000.<n+1>` is the position just after it.

/** A fake oplog with a catch-up opener over it. */
export interface FakeLog {
  opener: CatchUpOpener;
  events: EventMessage[];
  /** Appends `count` new events to the log; also delivers them live unless `live: false`. */
  write(count: number, options?: { live?: boolean }): EventMessage[];
  /** Delivers to the live feed every logged event it has not delivered yet. */
  catchUpLive(): void;
  /** Forgets log entries before index `before` (resuming from them gives history-lost). */
  forget(before: number): void;
  /** Holds every catch-up read until resume() (to make clients queue). */
  pause(): void;
  resume(): void;
  readonly openCursors: number;
  readonly peakOpenCursors: number;
  readonly opens: number;
  stop(): void;
}

/** The cluster time of the log's event at `index`. */
export const timeAt = (index: number): ClusterTime => ({ t: 1000, i: index + 1 });

export function createFakeLog(
  source: ManualSource,
  { batchSize = 50, initial = 0 }: { batchSize?: number; initial?: number } = {},
): FakeLog {
  const events: EventMessage[] = Array.from({ length: initial }, (_, n) => productEvent(n));
  let liveDelivered = initial; // the live feed starts at the head, like a relay opening "from now"
  let forgottenBefore = 0;
  let open = 0;
  let peak = 0;
  let opens = 0;
  const wakers = new Set<() => void>();
  let paused: { promise: Promise<void>; release: () => void } | undefined;
  // The live feed reports "caught up" whenever it has delivered the whole log, like an idle getMore.
  const ticker = setInterval(() => {
    if (source.started && liveDelivered === events.length) source.caughtUp();
  }, 10);

  const opener: CatchUpOpener = {
    open(start) {
      open += 1;
      opens += 1;
      peak = Math.max(peak, open);
      let position: number | undefined;
      let closed = false;
      /** Places the start position in the log, as MongoDB does when the stream's aggregate runs. */
      const place = async (): Promise<number> => {
        if (paused) await paused.promise;
        if (position !== undefined) return position;
        if ('afterId' in start) {
          const index = events.findIndex((event) => event.id === start.afterId);
          if (index < 0) throw new PositionLostError('unknown-position', 'unknown id');
          if (index < forgottenBefore) throw new PositionLostError('history-lost', 'forgotten');
          position = index + 1;
        } else {
          const firstAfter = events.findIndex((_, n) => timeAt(n).i > start.afterTime.i);
          position = firstAfter < 0 ? events.length : firstAfter;
        }
        return position;
      };
      return {
        async opened() {
          await place();
        },
        async next(): Promise<TimedEvent[]> {
          position = await place();
          if (position >= events.length) {
            // awaitData: wait for a write or a short timeout, as a tailable cursor does.
            await new Promise<void>((resolve) => {
              const done = () => {
                clearTimeout(timer);
                wakers.delete(done);
                resolve();
              };
              const timer = setTimeout(done, 20);
              wakers.add(done);
            });
          }
          const batch = events.slice(position, position + batchSize);
          position += batch.length;
          return batch.map((event) => ({ event, time: timeAt(events.indexOf(event)) }));
        },
        async close() {
          if (closed) return;
          closed = true;
          open -= 1;
        },
      };
    },
  };

  return {
    opener,
    events,
    write(count, { live = true } = {}) {
      const written = Array.from({ length: count }, (_, k) => productEvent(events.length + k));
      events.push(...written);
      for (const wake of [...wakers]) wake();
      if (live) this.catchUpLive();
      return written;
    },
    catchUpLive() {
      if (liveDelivered === events.length) return;
      source.push(
        events.slice(liveDelivered),
        events.slice(liveDelivered).map((_, k) => timeAt(liveDelivered + k)),
      );
      liveDelivered = events.length;
    },
    forget(before) {
      forgottenBefore = before;
    },
    pause() {
      let release = () => {};
      const promise = new Promise<void>((resolve) => (release = resolve));
      paused = { promise, release };
    },
    resume() {
      paused?.release();
      paused = undefined;
    },
    get openCursors() {
      return open;
    },
    get peakOpenCursors() {
      return peak;
    },
    get opens() {
      return opens;
    },
    stop() {
      clearInterval(ticker);
    },
  };
}
