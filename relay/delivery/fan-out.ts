import { concatFrames, writeFrames, type Delivered, type Encoded } from './frames.js';
import type { History, HistoryEntry } from './history.js';
import type { HubClient } from './client-lifecycle.js';
import type { BufferWatcher } from './buffer-watcher.js';
import { matches } from './subscription-match.js';
import type { Subscription } from '../../contract/protocol.js';

// Live delivery. Events appended during one tick form a batch, flushed once on setImmediate: for each
// distinct subscription the batch is matched once and its frames concatenated once, and that one
// Buffer is written to every client of the subscription that is up to date (one write per client per
// tick, each event still its own WebSocket message).
//
// The relay never writes a client past its bound (maxBufferedBytes of unsent bytes). A client whose
// socket is too full for the batch (a burst, a slow reader, or one that just resumed) is served from
// the history instead, in chunks, whenever its socket has room: it costs no memory of its own, and it
// never slows the others. It is closed as a slow client (4408) when it stops reading altogether (its
// unsent bytes do not shrink for the stall time) or when the history no longer holds its position.

/** Largest replay written in one go to a client that is behind. */
const REPLAY_CHUNK_BYTES = 256 * 1024;

/** Live fan-out over a history. */
export interface FanOut {
  /** Starts delivering to a `live` client from history sequence `fromSeq` (replays what it missed, then live). */
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
  key: string;
  members: Set<HubClient>;
}

/**
 * Creates the fan-out; `closeSlow` is how it gives up on a client, `buffers` how it waits for a full
 * socket, `delivered` what it adds its writes to.
 */
export function createFanOut({
  history,
  maxBufferedBytes,
  closeSlow,
  buffers,
  delivered = { messages: 0, bytes: 0 },
}: {
  history: History;
  maxBufferedBytes: number;
  closeSlow: (client: HubClient, reason: string) => void;
  buffers: BufferWatcher;
  delivered?: Delivered;
}): FanOut {
  const groups = new Map<string, Group>();
  let pending: HistoryEntry[] = [];
  let batchStart = history.nextSeq;
  let scheduled = false;
  // Writing resumes below half the bound, in chunks of at most half: a socket never holds more than the bound.
  const resumeAt = Math.max(1, Math.floor(maxBufferedBytes / 2));
  const chunkBytes = Math.min(REPLAY_CHUNK_BYTES, resumeAt);

  function entryAt(seq: number): HistoryEntry | undefined {
    return history.at(seq) ?? pending[seq - batchStart];
  }

  function pause(client: HubClient): void {
    client.paused = buffers.wait(
      client.ws,
      resumeAt,
      () => {
        client.paused = null;
        pump(client);
      },
      () => {
        client.paused = null;
        closeSlow(client, 'client stopped reading');
      },
    );
  }

  /** Serves a client that is behind from the history, pausing while its socket is full. */
  function pump(client: HubClient): void {
    if (client.paused || client.phase !== 'live') return;
    const end = batchStart + pending.length;
    while (client.nextSeq < end) {
      if (client.ws.bufferedAmount >= resumeAt) return pause(client);
      const chunk: Encoded[] = [];
      let bytes = 0;
      while (client.nextSeq < end && (bytes === 0 || bytes + (entryAt(client.nextSeq)?.encoded.frame.length ?? 0) <= chunkBytes)) {
        const entry = entryAt(client.nextSeq);
        if (!entry) return closeSlow(client, 'client fell behind the relay history');
        client.nextSeq += 1;
        if (!matches(client.subscription, entry.event)) continue;
        chunk.push(entry.encoded);
        bytes += entry.encoded.frame.length;
      }
      if (chunk.length === 0) continue;
      if (!writeFrames(client.ws, concatFrames(chunk), chunk)) return;
      delivered.messages += chunk.length;
      delivered.bytes += bytes;
    }
  }

  function flush(): void {
    scheduled = false;
    const batch = pending;
    const start = batchStart;
    const end = start + batch.length;
    for (const group of groups.values()) {
      let shared: { frames: Buffer; messages: Encoded[] } | null | undefined;
      // Clients that got the shared buffer: added to `delivered` once per group, not once per client.
      let written = 0;
      for (const client of group.members) {
        if (client.paused) {
          // A paused client whose next event left the history can never be served: give up now.
          if (client.nextSeq < start && client.nextSeq < history.oldestSeq) closeSlow(client, 'client fell behind the relay history');
          continue;
        }
        if (client.nextSeq !== start) {
          pump(client);
          continue;
        }
        if (batch.length === 0) continue;
        if (shared === undefined) {
          const messages = batch.filter((entry) => matches(group.subscription, entry.event)).map((entry) => entry.encoded);
          shared = messages.length > 0 ? { frames: concatFrames(messages), messages } : null;
        }
        if (shared && client.ws.bufferedAmount + shared.frames.length > maxBufferedBytes) {
          pump(client);
          continue;
        }
        client.nextSeq = end;
        if (shared && writeFrames(client.ws, shared.frames, shared.messages)) written += 1;
      }
      if (shared && written > 0) {
        delivered.messages += written * shared.messages.length;
        delivered.bytes += written * shared.frames.length;
      }
    }
    pending = [];
    batchStart = end;
  }

  return {
    join(client, fromSeq) {
      client.nextSeq = fromSeq;
      let group = groups.get(client.key);
      if (!group) {
        group = { subscription: client.subscription, key: client.key, members: new Set() };
        groups.set(client.key, group);
      }
      // Equal subscriptions share one object and key: the client's own parsed copies are dropped.
      client.subscription = group.subscription;
      client.key = group.key;
      group.members.add(client);
      pump(client);
    },
    leave(client) {
      client.paused?.();
      client.paused = null;
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
