import { compareTime, type ClusterTime } from '../../contract/stream-position.js';
import type { History, HistoryEntry } from './history.js';
import type { HubClient } from './client-lifecycle.js';

// Clients whose position is ahead of the live feed (they came from a relay that had read further, or
// their catch-up outran the live stream). They hold no stream and no buffer: each waits for the live
// feed to deliver its last event (or, for a `time:` position, the first event after that time), then
// joins the history right after it.

/** Clients waiting for the live feed to reach their position. */
export interface LiveWaiters {
  /** `clients` continue after the live feed delivers the event `id`. */
  waitForId(clients: HubClient[], id: string): void;
  /** `clients` continue at the first live event after cluster time `time`, looking from history `fromSeq` on. */
  waitForTime(clients: HubClient[], time: ClusterTime, history: History, fromSeq: number): void;
  /** Called for every event the live feed appends. */
  onLiveEntry(entry: HistoryEntry): void;
  remove(client: HubClient): void;
  /** Forgets every waiter (the live feed lost its position: the hub resets them). */
  clear(): void;
  readonly size: number;
}

/** Creates the waiters; `join` hands a client to the fan-out at a history sequence number. */
export function createLiveWaiters(join: (client: HubClient, fromSeq: number) => void): LiveWaiters {
  const byId = new Map<string, Set<HubClient>>();
  const idOf = new Map<HubClient, string>();
  const byTime = new Map<HubClient, ClusterTime>();

  function onLiveEntry(entry: HistoryEntry): void {
    const waiting = byId.get(entry.event.id);
    if (waiting) {
      byId.delete(entry.event.id);
      for (const client of waiting) {
        idOf.delete(client);
        join(client, entry.seq + 1);
      }
    }
    for (const [client, time] of byTime) {
      // An event without a cluster time (a manual source) cannot be placed: treat it as later.
      if (entry.time && compareTime(entry.time, time) <= 0) continue;
      byTime.delete(client);
      join(client, entry.seq);
    }
  }

  return {
    waitForId(clients, id) {
      let set = byId.get(id);
      if (!set) byId.set(id, (set = new Set()));
      for (const client of clients) {
        set.add(client);
        idOf.set(client, id);
      }
    },
    waitForTime(clients, time, history, fromSeq) {
      for (const client of clients) byTime.set(client, time);
      // Events appended since `fromSeq` may already be past the position.
      for (let seq = Math.max(fromSeq, history.oldestSeq); seq < history.nextSeq && byTime.size > 0; seq += 1) {
        const entry = history.at(seq);
        if (entry) onLiveEntry(entry);
      }
    },
    onLiveEntry,
    remove(client) {
      byTime.delete(client);
      const id = idOf.get(client);
      if (id === undefined) return;
      idOf.delete(client);
      const set = byId.get(id);
      if (set?.delete(client) && set.size === 0) byId.delete(id);
    },
    clear() {
      byId.clear();
      idOf.clear();
      byTime.clear();
    },
    get size() {
      return idOf.size + byTime.size;
    },
  };
}
