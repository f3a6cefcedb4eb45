import { concatFrames, onceDrained, writeFrames, type Encoded } from './frames.js';
import type { History, HistoryEntry } from './history.js';
import type { HubClient } from './hub-client.js';
import { matches } from './subscription-match.js';
import type { Subscription } from './protocol.js';

// Live delivery. Events appended during one tick form a batch, flushed once on setImmediate: for each
// distinct subscription the batch is matched once and its frames concatenated once, and that one
// Buffer is written to every client of the subscription that is up to date (one write per client per
// tick, each event still its own WebSocket message). Clients that are behind (just resumed, or paused
// by a full socket) are served from the history at their own pace instead: they never slow the others,
// and one that falls out of the history is closed as a slow client.

/** Maximum replay written in one go to a client that is behind. */
const REPLAY_CHUNK_BYTES = 256 * 1024;

/** Live fan-out over a history. */
export interface FanOut {
  /** Starts delivering to `client` from history sequence `fromSeq` (replays what it missed, then live). */
  join(client: HubClient, fromSeq: number): void;
  /** Stops delivering to `client`. */
  leave(client: HubClient): void;
  /** Records a newly appended history entry for the next flush. */
  add(entry: HistoryEntry): void;
  /** Delivers the pending batch now (before a reset, so no event is overtaken by it). */
  flush(): void;
  /** Distinct subscriptions among live clients. */
  readonly groupCount: number;
}

interface Group {
  subscription: Subscription;
  members: Set<HubClient>;
}

/** Creates the fan-out; `closeSlow` is how it gives up on a client. */
export function createFanOut({
  history,
  maxBufferedBytes,
  closeSlow,
}: {
  history: History;
  maxBufferedBytes: number;
  closeSlow: (client: HubClient, reason: string) => void;
}): FanOut {
  const groups = new Map<string, Group>();
  let pending: HistoryEntry[] = [];
  let batchStart = history.nextSeq;
  let scheduled = false;
  const resumeAt = Math.max(1, Math.floor(maxBufferedBytes / 2));

  function entryAt(seq: number): HistoryEntry | undefined {
    return history.at(seq) ?? pending[seq - batchStart];
  }

  function overBound(client: HubClient): boolean {
    if (client.ws.bufferedAmount <= maxBufferedBytes) return false;
    closeSlow(client, 'client too slow');
    return true;
  }

  /** Serves a client that is behind from the history, pausing while its socket is full. */
  function pump(client: HubClient): void {
    if (client.awaitingDrain || client.state !== 'live') return;
    const end = batchStart + pending.length;
    while (client.nextSeq < end) {
      if (client.ws.bufferedAmount >= resumeAt) {
        client.awaitingDrain = onceDrained(client.ws, () => {
          client.awaitingDrain = false;
          pump(client);
        });
        return;
      }
      const chunk: Encoded[] = [];
      let bytes = 0;
      while (client.nextSeq < end && bytes < REPLAY_CHUNK_BYTES) {
        const entry = entryAt(client.nextSeq);
        if (!entry) return closeSlow(client, 'client fell behind the relay history');
        client.nextSeq += 1;
        if (!matches(client.subscription, entry.event)) continue;
        chunk.push(entry.encoded);
        bytes += entry.encoded.frame.length;
      }
      if (chunk.length > 0 && !writeFrames(client.ws, concatFrames(chunk), chunk)) return;
      if (overBound(client)) return;
    }
  }

  function flush(): void {
    scheduled = false;
    const batch = pending;
    const start = batchStart;
    for (const group of groups.values()) {
      let shared: { frames: Buffer; messages: Encoded[] } | null | undefined;
      for (const client of group.members) {
        if (client.nextSeq !== start || client.awaitingDrain) {
          pump(client);
          continue;
        }
        if (batch.length === 0) continue;
        if (shared === undefined) {
          const messages = batch.filter((entry) => matches(group.subscription, entry.event)).map((entry) => entry.encoded);
          shared = messages.length > 0 ? { frames: concatFrames(messages), messages } : null;
        }
        client.nextSeq = start + batch.length;
        if (shared && writeFrames(client.ws, shared.frames, shared.messages)) overBound(client);
      }
    }
    pending = [];
    batchStart = start + batch.length;
  }

  return {
    join(client, fromSeq) {
      client.state = 'live';
      client.nextSeq = fromSeq;
      let group = groups.get(client.key);
      if (!group) {
        group = { subscription: client.subscription, members: new Set() };
        groups.set(client.key, group);
      }
      group.members.add(client);
      pump(client);
    },
    leave(client) {
      const group = groups.get(client.key);
      if (!group) return;
      group.members.delete(client);
      if (group.members.size === 0) groups.delete(client.key);
    },
    add(entry) {
      if (pending.length === 0) batchStart = entry.seq;
      pending.push(entry);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush() {
      if (pending.length > 0) flush();
    },
    get groupCount() {
      return groups.size;
    },
  };
}
