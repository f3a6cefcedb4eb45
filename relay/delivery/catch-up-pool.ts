import type { Logger } from '../../common/logger.js';
import { CloseCode } from '../../contract/close-codes.js';
import { formatResumePosition } from '../../contract/stream-position.js';
import type { BufferWatcher } from './buffer-watcher.js';
import { PositionLostError, type CatchUpCursor, type CatchUpOpener, type CatchUpStart, type TimedEvent } from './catch-up-source.js';
import { drained, writeToClients, type EncodedEvent } from './catch-up-writes.js';
import type { ClientLifecycle, HubClient } from './client-lifecycle.js';
import { encode, type Delivered } from './frames.js';
import type { History, HistoryEntry } from './history.js';
import { createLiveWaiters } from './live-waiters.js';

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

/** What the pool reads of the live feed (the hub owns it). */
export interface LiveFeedView {
  readonly history: History;
  /** History sequence number at which the live feed's current epoch began (start or last reset). */
  readonly startSeq: number;
  /** "Caught up" marks the live feed reported while it had delivered nothing in this epoch. */
  readonly quietMarks: number;
}

/** How catch-up writes are paced and counted, shared with the live fan-out. */
export interface Pacing {
  maxBufferedBytes: number;
  /** Waits for room in full sockets. */
  buffers: BufferWatcher;
  /** Where event writes are counted. */
  delivered: Delivered;
}

/** Bounded, shared catch-up streams plus the clients waiting for the live feed to reach them. */
export interface CatchUpPool {
  /** Catches `client` up from `since` (not in the history), then hands it to the live feed. */
  request(client: HubClient, since: CatchUpStart): void;
  remove(client: HubClient): void;
  /** Called for every event the live feed appends. */
  onLiveEntry(entry: HistoryEntry): void;
  /** Ends every stream and wait (the hub then resets their clients). */
  abortAll(): void;
  readonly stats: { open: number; queued: number; waiting: number; peakOpen: number };
}

interface Stream {
  /** The position as text: the key requests for the same position share, and what logs show. */
  since: string;
  start: CatchUpStart;
  clients: Set<HubClient>;
  /** The log accepted the position and its clients were welcomed: no one joins it by position any more. */
  opened: boolean;
  aborted: boolean;
  cursor?: CatchUpCursor;
  /** Id of the last event delivered (or the asked id). */
  last?: string;
}

/** Creates the pool; `clients` moves each client on (welcome, live, reset, close). */
export function createCatchUpPool({
  opener,
  maxStreams,
  clients,
  feed,
  pacing,
  logger,
}: {
  opener: CatchUpOpener;
  maxStreams: number;
  clients: ClientLifecycle;
  feed: LiveFeedView;
  pacing: Pacing;
  logger: Logger;
}): CatchUpPool {
  const log = logger.child({ component: 'catch-up' });
  const queue: Stream[] = [];
  const running = new Set<Stream>();
  const joinable = new Map<string, Stream>();
  const streamOf = new Map<HubClient, Stream>();
  const waiters = createLiveWaiters((client, fromSeq) => clients.join(client, fromSeq));
  let peakOpen = 0;

  function pump(): void {
    while (running.size < maxStreams && queue.length > 0) {
      const stream = queue.shift()!;
      if (stream.clients.size === 0) {
        finish(stream);
        continue;
      }
      const seq = stream.last === undefined ? undefined : feed.history.seqOf(stream.last);
      if (seq !== undefined) {
        // The live feed reached this position while the request queued: no stream needed.
        finish(stream);
        for (const client of stream.clients) clients.welcome(client, 'resumed');
        handOver(stream, seq + 1);
        continue;
      }
      running.add(stream);
      peakOpen = Math.max(peakOpen, running.size);
      run(stream)
        .catch((error: unknown) => {
          log.error({ err: error, since: stream.since }, 'catch-up failed');
          for (const client of stream.clients) clients.close(client, CloseCode.internal, 'catch-up failed, reconnect');
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
    for (const client of stream.clients) clients.join(client, fromSeq);
    stream.clients.clear();
  }

  function welcomeAll(stream: Stream): void {
    if (stream.opened) return;
    stream.opened = true;
    joinable.delete(stream.since);
    for (const client of stream.clients) clients.welcome(client, 'resumed');
  }

  /** The log refused the position: every client of the stream is told to reset, then goes live. */
  function lost(stream: Stream, error: PositionLostError): void {
    log.info({ since: stream.since, reason: error.reason }, 'catch-up position lost: reset');
    const lostClients = [...stream.clients];
    finish(stream);
    stream.clients.clear();
    const reset = clients.encodeReset(error.reason, error.message);
    for (const client of lostClients) {
      clients.welcome(client, 'reset'); // does nothing to a client the stream already welcomed
      clients.startLive(client, reset);
    }
  }

  async function run(stream: Stream): Promise<void> {
    // The history's length when each read began (see atHead). The first read may begin inside open().
    const readBegan = feed.history.nextSeq;
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
      const seqBefore = first ? readBegan : feed.history.nextSeq;
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
      const quiet = feed.history.nextSeq === feed.startSeq;
      if (seqBefore === feed.startSeq && quiet) {
        if (markAt === undefined) markAt = feed.quietMarks;
        else if (feed.quietMarks >= markAt + 2) {
          log.debug({ since: stream.since }, 'catch-up at the head of a quiet feed: joining live');
          return handOver(stream, feed.startSeq);
        }
      } else markAt = undefined;
    }
  }

  /** Delivers a batch in chunks; returns true when the stream handed over to the history. */
  async function deliver(stream: Stream, batch: TimedEvent[]): Promise<boolean> {
    // Chunks of at most half the bound, each written once every socket is below half: never past the bound.
    const half = Math.max(1, Math.floor(pacing.maxBufferedBytes / 2));
    let index = 0;
    while (index < batch.length) {
      await drained(stream.clients, half, pacing.buffers, clients.closeSlow);
      if (stream.aborted || stream.clients.size === 0) return true;
      // Checked right before writing: the history may have moved while we waited for sockets.
      const chunk: EncodedEvent[] = [];
      let bytes = 0;
      for (let next = index; next < batch.length && chunk.length < CHUNK_EVENTS; next += 1) {
        const item = batch[next]!;
        if (feed.history.seqOf(item.event.id) !== undefined) break;
        const encoded = encode(item.event);
        if (bytes > 0 && bytes + encoded.frame.length > half) break;
        chunk.push({ item, encoded });
        bytes += encoded.frame.length;
      }
      if (chunk.length === 0) {
        handOver(stream, feed.history.seqOf(batch[index]!.event.id)!);
        return true;
      }
      writeToClients(stream.clients, chunk, pacing.delivered);
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
      for (const client of queued.clients) clients.welcome(client, 'resumed');
      writeToClients(queued.clients, encoded.slice(index + 1), pacing.delivered);
      for (const client of queued.clients) {
        if (client.phase === 'closed') continue;
        stream.clients.add(client);
        streamOf.set(client, stream);
      }
      queued.clients.clear();
    }
  }

  /** The stream read to the head and found nothing: hand over if the position can be placed. */
  function atHead(stream: Stream, seqBefore: number): boolean {
    const history = feed.history;
    if (stream.last !== undefined) {
      const seq = history.seqOf(stream.last);
      if (seq !== undefined) {
        handOver(stream, seq + 1);
        return true;
      }
    }
    if (seqBefore <= feed.startSeq || !history.at(seqBefore - 1)) return false;
    // The live feed delivered an event before this read began, and it is at or before our position:
    // our position is ahead of the live feed (or equal to an event it is about to deliver).
    const ahead = [...stream.clients];
    finish(stream);
    stream.clients.clear();
    for (const client of ahead) clients.waitForFeed(client);
    if (stream.last !== undefined) waiters.waitForId(ahead, stream.last);
    else if ('afterTime' in stream.start) waiters.waitForTime(ahead, stream.start.afterTime, history, seqBefore);
    return true;
  }

  return {
    request(client, start) {
      clients.catchUp(client);
      const since = formatResumePosition(start);
      let stream = joinable.get(since);
      if (!stream) {
        stream = { since, start, clients: new Set(), opened: false, aborted: false };
        if ('afterId' in start) stream.last = start.afterId;
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
      for (const stream of [...running, ...queue]) {
        stream.aborted = true;
        finish(stream);
        stream.clients.clear();
        void stream.cursor?.close().catch(() => {});
      }
      queue.length = 0;
      waiters.clear();
    },
    get stats() {
      return { open: running.size, queued: queue.length, waiting: waiters.size, peakOpen };
    },
  };
}
