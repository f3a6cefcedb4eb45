import type { ClusterTime } from '../../contract/stream-position.js';
import type { EventSource, FeedListener } from './event-source.js';

// Where the relay's change stream is in time, for operators: a tap on the event source that notes the
// cluster time of the last event it delivered and when it arrived. Nothing on the delivery path but
// two assignments per batch. Cluster times have one-second resolution, so the lag is too.

/** The feed's position in time, read at scrape. */
export interface FeedTimes {
  /** Cluster time (unix seconds) of the last event received; undefined before the first. */
  lastEventClusterSeconds?: number;
  /** When that batch arrived minus its last event's cluster time, in seconds (never below 0). */
  lagSeconds?: number;
}

/** Wraps `source` so the relay sees the same events while `times()` reports where the feed is. */
export function tapFeedTimes(source: EventSource, clock: () => number = Date.now): { source: EventSource; times(): FeedTimes } {
  let lastEventClusterSeconds: number | undefined;
  let lagSeconds: number | undefined;
  const note = (times: (ClusterTime | undefined)[] | undefined) => {
    const last = times?.at(-1);
    if (!last) return;
    lastEventClusterSeconds = last.t;
    lagSeconds = Math.max(0, clock() / 1000 - last.t);
  };
  return {
    source: {
      start(listener: FeedListener) {
        // The listener itself stays the receiver of every other call (its methods may rely on `this`).
        const tapped: FeedListener = Object.create(listener, {
          onEvents: {
            value(events: Parameters<FeedListener['onEvents']>[0], times?: (ClusterTime | undefined)[]) {
              note(times);
              listener.onEvents(events, times);
            },
          },
        });
        return source.start(tapped);
      },
      close: () => source.close(),
    },
    times: () => ({ lastEventClusterSeconds, lagSeconds }),
  };
}
