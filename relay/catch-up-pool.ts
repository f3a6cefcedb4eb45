import type { Logger } from '../common/logger.js';
import { parseStreamPosition } from '../contract/stream-position.js';
import { PositionLostError, type CatchUpCursor, type CatchUpOpener, type CatchUpStart, type TimedEvent } from './catch-up-types.js';
import { drained, writeToClients, type EncodedEvent } from './catch-up-writes.js';
import { encode, type Delivered } from './frames.js';
import type { History, HistoryEntry } from './history.js';
import type { HubClient } from './hub-client.js';
import { createLiveWaiters } from './live-waiters.js';
import type { RoomWatcher } from './room-watcher.js';
import type { ResetReason } from '../contract/protocol.js';

// Catch-up for positions older than the history. At most `maxStreams` change streams are open at once;
// clients asking for the same position share one, the rest wait in FIFO order (a reconnect storm queues
// instead of opening a stream per client), and a queued request whose position a running stream reads
// past joins that stream there. Handover to live never compares tokens, only ids:
//  - after each batch, the first event that is also in the history ends the catch-up: the client
//    continues from the history at that event (no gap, no duplicate: the history is contiguous);
//  - at the head of the log with nothing more to read, the stream's position L (last id delivered, or
//    the asked id) is already in the history → continue after it; else, if the live feed delivered an
//    event h before this read began (h ≤ head, and nothing follows L up to the head, so h came before L),
//    L is ahead of the live feed: the client waits, holding no stream, until the live feed delivers L;
//  - on a quiet system where the live feed has delivered nothing since it opened, the client waits for
//    two "caught up" marks from the live feed: the second proves the live feed read past this stream's
//    head and found nothing, so L precedes everything the live feed will deliver → join at its start.
// A `time:` position (no id yet) waits for the first live event with a later cluster time instead.

/** Events written per client per step of a catch-up batch. */
const CHUNK_EVENTS = 500;

/** What the pool needs from the hub. */
export interface CatchUpHost {
  history: History;
  maxBufferedBytes: number;
  /** Waits for room in full sockets (shared with the live fan-out). */
  rooms: RoomWatcher;
  /** Where event writes are counted (shared with the live fan-out). */
  delivered: Delivered;
  /** History sequence number at which the live feed's current epoch began (start or last reset). */
  liveStartSeq(): number;
  /** "Caught up" marks the live feed reported while it had delivered nothing in this epoch. */
  quietMarks(): number;
  welcome(client: HubClient, resume: 'resumed' | 'reset'): void;
  /** Sends `reset`, then live events from now (held until the live feed tails: see hub.ts). */
  resetToLive(client: HubClient, reason: ResetReason, message: string): void;
  join(client: HubClient, fromSeq: number): void;
  closeSlow(client: HubClient, reason: string): void;
  closeInternal(client: HubClient, reason: string): void;
}

/** Bounded, shared catch-up streams plus the clients waiting for the live feed to reach them. */
export interface CatchUpPool {
  /** Catches `client` up from `since` (not in the history), then hands it to the live feed. */
  request(client: HubClient, since: string): void;
  remove(client: HubClient): void;
  /** Called for every event the live feed appends. */
  onLiveEntry(entry: HistoryEntry): void;
  /** Ends every stream and wait; returns the clients that were in them (the hub resets them). */
  abortAll(): { client: HubClient; welcomed: boolean }[];
  readonly stats: { open: number; queued: number; waiting: number; peakOpen: number };
}

interface Stream {
  since: string;
  start: CatchUpStart;
  clients: Set<HubClient>;
  welcomed: boolean;
  aborted: boolean;
  cursor?: CatchUpCursor;
  /** Id of the last event delivered (or the asked id). */
  last?: string;
}

/** Creates the pool. */
export function createCatchUpPool({ opener, maxStreams, host, logger }: { opener: CatchUpOpener; maxStreams: number; host: CatchUpHost; logger: Logger }): CatchUpPool {
  const log = logger.child({ component: 'catch-up' });
  const queue: Stream[] = [];
  const running = new Set<Stream>();
  const joinable = new Map<string, Stream>();
  const streamOf = new Map<HubClient, Stream>();
  const waiters = createLiveWaiters((client, fromSeq) => host.join(client, fromSeq));
  let peakOpen = 0;

  function startFrom(since: string): CatchUpStart {
    const time = parseStreamPosition(since);
    return time ? { afterTime: time } : { afterId: since };
  }

  function pump(): void {
    while (running.size < maxStreams && queue.length > 0) {
      const stream = queue.shift()!;
      if (stream.clients.size === 0) {
        finish(stream);
        continue;
      }
      const seq = stream.last === undefined ? undefined : host.history.seqOf(stream.last);
      if (seq !== undefined) {
        // The live feed reached this position while the request queued: no stream needed.
        finish(stream);
        for (const client of stream.clients) host.welcome(client, 'resumed');
        handOver(stream, seq + 1);
        continue;
      }
      running.add(stream);
      peakOpen = Math.max(peakOpen, running.size);
      run(stream)
        .catch((error: unknown) => {
          log.error({ err: error, since: stream.since }, 'catch-up failed');
          for (const client of stream.clients) host.closeInternal(client, 'catch-up failed, reconnect');
        })
        .finally(() => {
          finish(stream);
          running.delete(stream);
          void stream.cursor?.close().catch((error: unknown) => log.warn({ err: error }, 'closing a catch-up stream failed'));
          pump();
        });
    }
  }

  function finish(stream: Stream): void {
    if (joinable.get(stream.since) === stream) joinable.delete(stream.since);
    for (const client of stream.clients) if (streamOf.get(client) === stream) streamOf.delete(client);
  }

  function handOver(stream: Stream, fromSeq: number): void {
    finish(stream);
    for (const client of stream.clients) host.join(client, fromSeq);
    stream.clients.clear();
  }

  function welcomeAll(stream: Stream): void {
    if (stream.welcomed) return;
    stream.welcomed = true;
    joinable.delete(stream.since);
    for (const client of stream.clients) host.welcome(client, 'resumed');
  }

  /** The log refused the position: every client of the stream is told to reset, then goes live. */
  function lost(stream: Stream, error: PositionLostError): void {
    log.info({ since: stream.since, reason: error.reason }, 'catch-up position lost: reset');
    const clients = [...stream.clients];
    finish(stream);
    stream.clients.clear();
    for (const client of clients) {
      if (!stream.welcomed) host.welcome(client, 'reset');
      host.resetToLive(client, error.reason, error.message);
    }
  }

  async function run(stream: Stream): Promise<void> {
    // The history's length when each read began (see atHead). The first read may begin inside open().
    const readBegan = host.history.nextSeq;
    const cursor = opener.open(stream.start);
    stream.cursor = cursor;
    try {
      await cursor.opened?.();
    } catch (error) {
      if (stream.aborted) return;
      if (!(error instanceof PositionLostError)) throw error;
      return lost(stream, error);
    }
    if (stream.aborted) return;
    if (cursor.opened) welcomeAll(stream);
    let markAt: number | undefined;
    for (let first = true; !stream.aborted && stream.clients.size > 0; first = false) {
      const seqBefore = first ? readBegan : host.history.nextSeq;
      let batch: TimedEvent[];
      try {
        batch = await cursor.next();
      } catch (error) {
        if (stream.aborted) return;
        if (!(error instanceof PositionLostError)) throw error;
        return lost(stream, error);
      }
      if (stream.aborted || stream.clients.size === 0) return;
      welcomeAll(stream);
      if (batch.length > 0) {
        markAt = undefined;
        if (await deliver(stream, batch)) return;
        continue;
      }
      if (atHead(stream, seqBefore)) return;
      const quiet = host.history.nextSeq === host.liveStartSeq();
      if (seqBefore === host.liveStartSeq() && quiet) {
        if (markAt === undefined) markAt = host.quietMarks();
        else if (host.quietMarks() >= markAt + 2) {
          log.debug({ since: stream.since }, 'catch-up at the head of a quiet feed: joining live');
          return handOver(stream, host.liveStartSeq());
        }
      } else markAt = undefined;
    }
  }

  /** Delivers a batch in chunks; returns true when the stream handed over to the history. */
  async function deliver(stream: Stream, batch: TimedEvent[]): Promise<boolean> {
    // Chunks of at most half the bound, each written once every socket is below half: never past the bound.
    const half = Math.max(1, Math.floor(host.maxBufferedBytes / 2));
    let index = 0;
    while (index < batch.length) {
      await drained(stream.clients, half, host.rooms, host.closeSlow);
      if (stream.aborted || stream.clients.size === 0) return true;
      // Checked right before writing: the history may have moved while we waited for sockets.
      const chunk: EncodedEvent[] = [];
      let bytes = 0;
      for (let next = index; next < batch.length && chunk.length < CHUNK_EVENTS; next += 1) {
        const item = batch[next]!;
        if (host.history.seqOf(item.event.id) !== undefined) break;
        const encoded = encode(item.event);
        if (bytes > 0 && bytes + encoded.frame.length > half) break;
        chunk.push({ item, encoded });
        bytes += encoded.frame.length;
      }
      if (chunk.length === 0) {
        handOver(stream, host.history.seqOf(batch[index]!.event.id)!);
        return true;
      }
      writeToClients(stream.clients, chunk, host.delivered);
      absorbQueued(stream, chunk);
      index += chunk.length;
      stream.last = batch[index - 1]!.event.id;
    }
    return false;
  }

  /**
   * Queued requests whose position this stream just read past ride along instead of waiting for a
   * stream of their own: they get the rest of the chunk, then the stream's next batches.
   */
  function absorbQueued(stream: Stream, encoded: EncodedEvent[]): void {
    for (let index = 0; index < encoded.length; index += 1) {
      const queued = joinable.get(encoded[index]!.item.event.id);
      if (!queued || queued === stream || running.has(queued)) continue;
      joinable.delete(queued.since);
      queue.splice(queue.indexOf(queued), 1);
      for (const client of queued.clients) host.welcome(client, 'resumed');
      writeToClients(queued.clients, encoded.slice(index + 1), host.delivered);
      for (const client of queued.clients) {
        if (client.state === 'closed') continue;
        stream.clients.add(client);
        streamOf.set(client, stream);
      }
      queued.clients.clear();
    }
  }

  /** The stream read to the head and found nothing: hand over if the position can be placed. */
  function atHead(stream: Stream, seqBefore: number): boolean {
    const history = host.history;
    if (stream.last !== undefined) {
      const seq = history.seqOf(stream.last);
      if (seq !== undefined) {
        handOver(stream, seq + 1);
        return true;
      }
    }
    if (seqBefore <= host.liveStartSeq() || !history.at(seqBefore - 1)) return false;
    // The live feed delivered an event before this read began, and it is at or before our position:
    // our position is ahead of the live feed (or equal to an event it is about to deliver).
    const clients = [...stream.clients];
    finish(stream);
    stream.clients.clear();
    if (stream.last !== undefined) waiters.waitForId(clients, stream.last);
    else if ('afterTime' in stream.start) waiters.waitForTime(clients, stream.start.afterTime, history, seqBefore);
    return true;
  }

  return {
    request(client, since) {
      client.state = 'catching-up';
      let stream = joinable.get(since);
      if (!stream) {
        stream = { since, start: startFrom(since), clients: new Set(), welcomed: false, aborted: false };
        if ('afterId' in stream.start) stream.last = since;
        joinable.set(since, stream);
        queue.push(stream);
      }
      stream.clients.add(client);
      streamOf.set(client, stream);
      pump();
    },
    remove(client) {
      waiters.remove(client);
      const stream = streamOf.get(client);
      streamOf.delete(client);
      if (!stream) return;
      stream.clients.delete(client);
      if (stream.clients.size > 0) return;
      if (running.has(stream)) {
        stream.aborted = true;
        void stream.cursor?.close().catch(() => {});
      } else {
        // A queued request everyone gave up on: forget it, so a later request for the position starts afresh.
        finish(stream);
        const index = queue.indexOf(stream);
        if (index >= 0) queue.splice(index, 1);
      }
    },
    onLiveEntry: (entry) => waiters.onLiveEntry(entry),
    abortAll() {
      const out: { client: HubClient; welcomed: boolean }[] = [];
      for (const stream of [...running, ...queue]) {
        stream.aborted = true;
        for (const client of stream.clients) out.push({ client, welcomed: stream.welcomed });
        finish(stream);
        stream.clients.clear();
        void stream.cursor?.close().catch(() => {});
      }
      queue.length = 0;
      for (const client of waiters.takeAll()) out.push({ client, welcomed: true });
      return out;
    },
    get stats() {
      return { open: running.size, queued: queue.length, waiting: waiters.size, peakOpen };
    },
  };
}
