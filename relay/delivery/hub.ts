import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Logger } from '../../common/logger.js';
import type { ResetReason } from '../../contract/protocol.js';
import type { RelayConfig } from '../config.js';
import { createBufferWatcher } from './buffer-watcher.js';
import { createCatchUpPool } from './catch-up-pool.js';
import type { CatchUpOpener } from './catch-up-source.js';
import { createClientLifecycle } from './client-lifecycle.js';
import type { EventSource } from './event-source.js';
import { createFanOut } from './fan-out.js';
import { encode, type Delivered } from './frames.js';
import { createHistory } from './history.js';
import type { ConnectRequest, Hub, HubStats } from './hub-types.js';

// The delivery core: takes sockets from the edge, places each client's position (history, catch-up,
// or reset), and feeds it from the event source through the fan-out. See client-lifecycle.ts for a
// client's phases, fan-out.ts for live delivery and catch-up-pool.ts for positions older than the
// history.
//
// "Live from now" (a welcome without `since`, or a reset: reload a snapshot, then continue live) is a
// promise that every change committed after that message follows. Only an open change stream can
// keep it: one opened later starts later. So while the source is not tailing (the relay has just
// started, or its stream failed and is reopening) such a client is held, connected, and gets its
// welcome or reset the moment the source tails again; /readyz says 503 meanwhile. A client resuming
// from the history needs no hold: the source reopens from its own last position, after that history.

/** The hub plus what its owner (relay.ts, tests, benchmarks) needs. */
export interface RelayHub extends Hub {
  /** Starts the event source. */
  start(): Promise<void>;
  readonly relayId: string;
}

/** Creates the hub over an event source; `catchUp` serves positions older than the history (none: they get a reset). */
export function createHub({
  config,
  source,
  catchUp,
  logger,
  relayId = randomUUID(),
}: {
  config: RelayConfig;
  source: EventSource;
  catchUp?: CatchUpOpener;
  logger: Logger;
  relayId?: string;
}): RelayHub {
  const log = logger.child({ component: 'hub' });
  const history = createHistory({ maxEvents: config.historyEvents, maxBytes: config.historyBytes });
  let ready = false;
  // The live feed's epoch (since start or the last reset), read by the catch-up pool's hand-over.
  const feed = { history, startSeq: 0, quietMarks: 0 };
  // Counters for /metrics: plain numbers bumped where things happen, read when scraped.
  let everReady = false;
  let sourceReopens = 0;
  let eventsReceived = 0;
  const delivered: Delivered = { messages: 0, bytes: 0 };

  const buffers = createBufferWatcher({ stallMs: config.stallMs });
  const fanOut = createFanOut({
    history,
    maxBufferedBytes: config.maxBufferedBytes,
    closeSlow: (client, reason) => clients.closeSlow(client, reason),
    buffers,
    delivered,
  });
  const clients = createClientLifecycle({
    relayId,
    heartbeatMs: config.heartbeatMs,
    fanOut,
    isTailing: () => ready,
    nextSeq: () => history.nextSeq,
    detach: (client) => pool?.remove(client),
    logger: log,
  });
  const pool = catchUp
    ? createCatchUpPool({
        opener: catchUp,
        maxStreams: config.maxCatchUpStreams,
        clients,
        feed,
        pacing: { maxBufferedBytes: config.maxBufferedBytes, buffers, delivered },
        logger,
      })
    : undefined;

  return {
    relayId,
    get ready() {
      return ready;
    },
    get clientCount() {
      return clients.count;
    },
    deferPong: (ws: WebSocket) => clients.deferPong(ws),
    connect(ws: WebSocket, request: ConnectRequest) {
      const client = clients.accept(ws, request.subscription);
      if (!client) return;
      const since = request.since;
      if (since === undefined) return clients.startLive(client, 'welcome');
      const seq = 'afterTime' in since ? history.firstAfterTime(since.afterTime) : history.seqOf(since.afterId);
      if (seq !== undefined) {
        clients.welcome(client, 'resumed');
        return clients.join(client, 'afterTime' in since ? seq : seq + 1);
      }
      if (pool) return pool.request(client, since);
      clients.welcome(client, 'reset');
      clients.startLive(client, clients.encodeReset('unknown-position', 'that position is not in the relay history; reload a snapshot'));
    },
    async start() {
      await source.start({
        onEvents(events, times) {
          for (let index = 0; index < events.length; index += 1) {
            const event = events[index]!;
            // A feed that reopens from its last token may repeat what it already delivered.
            if (history.seqOf(event.id) !== undefined) continue;
            eventsReceived += 1;
            const entry = history.append(event, encode(event), times?.[index]);
            fanOut.add(entry);
            pool?.onLiveEntry(entry);
          }
        },
        onReset(reason: ResetReason, message: string) {
          log.warn({ reason, clients: clients.count }, 'event source lost its position: resetting every client');
          // Deliver what is pending first, so the reset is not overtaken by older events.
          fanOut.flush();
          history.clear();
          feed.startSeq = history.nextSeq;
          feed.quietMarks = 0;
          // Catch-ups end too: their hand-over relies on the history that was just cleared.
          pool?.abortAll();
          // The source reopens from now once it can (a feed reports not tailing first): each reset goes
          // out when it tails, so a snapshot reloaded on it is never older than the new stream.
          clients.resetAll(reason, message);
        },
        onStatus(next) {
          if (next !== ready) log.info({ ready: next }, next ? 'event source tailing' : 'event source not tailing');
          if (next && !ready && everReady) sourceReopens += 1;
          ready = next;
          everReady ||= next;
          if (ready) clients.releaseHeld();
        },
        onCaughtUp() {
          if (history.nextSeq === feed.startSeq) feed.quietMarks += 1;
        },
      });
    },
    async close() {
      ready = false;
      pool?.abortAll();
      buffers.close();
      await source.close();
    },
    stats(): HubStats {
      return {
        clients: clients.count,
        groups: fanOut.groupCount,
        historyEvents: history.size,
        historyBytes: history.bytes,
        slowClosed: clients.slowClosed,
        heldForFeed: clients.heldCount,
        catchUp: pool?.stats ?? { open: 0, queued: 0, waiting: 0, peakOpen: 0 },
        ready,
        sourceReopens,
        eventsReceived,
        delivered: { ...delivered },
        closed: clients.closed,
        resets: clients.resets,
      };
    },
  };
}
