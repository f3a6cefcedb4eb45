import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { parseStreamPosition } from '../api/stream-position.js';
import type { Logger } from '../common/logger.js';
import { createCatchUpPool } from './catch-up-pool.js';
import type { CatchUpOpener } from './catch-up-types.js';
import { CloseCode } from './close-codes.js';
import type { RelayConfig } from './config.js';
import type { EventSource } from './event-source.js';
import { createFanOut } from './fan-out.js';
import { encode, writeFrames } from './frames.js';
import { createHistory } from './history.js';
import { createRoomWatcher } from './room-watcher.js';
import type { HubClient } from './hub-client.js';
import type { ConnectRequest, Hub } from './hub-types.js';
import { PROTOCOL_VERSION, type ResetReason, type WelcomeMessage } from './protocol.js';
import { subscriptionKey } from './subscription-match.js';

// The delivery core: takes sockets from the edge, places each client's position (history, catch-up,
// or reset), and feeds it from the event source through the fan-out. See fan-out.ts for live delivery
// and catch-up-pool.ts for positions older than the history.

/** How long a slow client's close frame gets before the connection is cut. */
const SLOW_CLOSE_GRACE_MS = 1_000;
/** A client whose full socket drains nothing for this long has stopped reading: it is closed as slow. */
export const STALL_MS = 500;

/** The hub plus what its owner (relay.ts, tests, benchmarks) needs. */
export interface RelayHub extends Hub {
  /** Starts the event source. */
  start(): Promise<void>;
  readonly relayId: string;
  /** Counters for tests, logs and benchmarks. */
  stats(): { clients: number; groups: number; historyEvents: number; historyBytes: number; slowClosed: number; catchUp: { open: number; queued: number; waiting: number; peakOpen: number } };
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
  // By socket, so one close listener shared by every socket finds its client (no closure per connection).
  const clients = new Map<WebSocket, HubClient>();
  let ready = false;
  let liveStartSeq = 0;
  let quietMarks = 0;
  let slowClosed = 0;

  const rooms = createRoomWatcher({ stallMs: STALL_MS });
  const fanOut = createFanOut({ history, maxBufferedBytes: config.maxBufferedBytes, closeSlow, rooms });

  const pool = catchUp
    ? createCatchUpPool({
        opener: catchUp,
        maxStreams: config.maxCatchUpStreams,
        logger,
        host: {
          history,
          maxBufferedBytes: config.maxBufferedBytes,
          rooms,
          liveStartSeq: () => liveStartSeq,
          quietMarks: () => quietMarks,
          welcome,
          reset: sendReset,
          join,
          closeSlow,
          closeInternal: (client, reason) => closeWith(client, CloseCode.internal, reason),
        },
      })
    : undefined;

  function welcome(client: HubClient, resume: WelcomeMessage['resume']): void {
    const message: WelcomeMessage = { type: 'welcome', protocol: PROTOCOL_VERSION, relayId, heartbeatMs: config.heartbeatMs, resume, subscription: client.subscription };
    const encoded = encode(message);
    writeFrames(client.ws, encoded.frame, [encoded]);
  }

  function sendReset(client: HubClient, reason: ResetReason, message: string): void {
    const encoded = encode({ type: 'reset', reason, message });
    writeFrames(client.ws, encoded.frame, [encoded]);
  }

  function join(client: HubClient, fromSeq: number): void {
    if (client.state === 'closed') return;
    fanOut.join(client, fromSeq);
  }

  function forget(client: HubClient): void {
    if (client.state === 'closed' && clients.get(client.ws) !== client) return;
    client.state = 'closed';
    if (clients.get(client.ws) === client) clients.delete(client.ws);
    fanOut.leave(client);
    pool?.remove(client);
  }

  function onSocketClose(this: WebSocket): void {
    const client = clients.get(this);
    if (client) forget(client);
  }

  function closeWith(client: HubClient, code: number, reason: string): void {
    if (client.state === 'closed') return;
    forget(client);
    client.ws.close(code, reason);
  }

  function closeSlow(client: HubClient, reason: string): void {
    if (client.state === 'closed') return;
    slowClosed += 1;
    log.info({ bufferedBytes: client.ws.bufferedAmount, reason }, 'closing a slow client');
    closeWith(client, CloseCode.slowClient, reason);
    // The close frame queues behind everything unsent; a client that reads nothing never gets it.
    const timer = setTimeout(() => client.ws.terminate(), SLOW_CLOSE_GRACE_MS);
    timer.unref();
    client.ws.once('close', () => clearTimeout(timer));
  }

  return {
    relayId,
    get ready() {
      return ready;
    },
    get clientCount() {
      return clients.size;
    },
    connect(ws: WebSocket, request: ConnectRequest) {
      const client: HubClient = { ws, subscription: request.subscription, key: subscriptionKey(request.subscription), state: 'waiting', nextSeq: 0, paused: null };
      if (ws.readyState !== ws.OPEN) return;
      clients.set(ws, client);
      // `on`, not `once`: close fires once anyway, and `once` wraps the listener in one more closure.
      ws.on('close', onSocketClose);
      const since = request.since;
      if (since === undefined) {
        welcome(client, 'none');
        return join(client, history.nextSeq);
      }
      const time = parseStreamPosition(since);
      const seq = time ? history.firstAfterTime(time) : history.seqOf(since);
      if (seq !== undefined) {
        welcome(client, 'resumed');
        return join(client, time ? seq : seq + 1);
      }
      if (pool) return pool.request(client, since);
      welcome(client, 'reset');
      sendReset(client, 'unknown-position', 'that position is not in the relay history; reload a snapshot');
      join(client, history.nextSeq);
    },
    async start() {
      await source.start({
        onEvents(events, times) {
          for (let index = 0; index < events.length; index += 1) {
            const event = events[index]!;
            // A feed that reopens from its last token may repeat what it already delivered.
            if (history.seqOf(event.id) !== undefined) continue;
            const entry = history.append(event, encode(event), times?.[index]);
            fanOut.add(entry);
            pool?.onLiveEntry(entry);
          }
        },
        onReset(reason, message) {
          log.warn({ reason, clients: clients.size }, 'event source lost its position: resetting every client');
          // Deliver what is pending first, so the reset is not overtaken by older events.
          fanOut.flush();
          history.clear();
          liveStartSeq = history.nextSeq;
          quietMarks = 0;
          // Catch-ups end too: their hand-over relies on the history that was just cleared.
          for (const { client, welcomed } of pool?.abortAll() ?? []) if (!welcomed) welcome(client, 'reset');
          const encoded = encode({ type: 'reset', reason, message });
          for (const client of [...clients.values()]) {
            if (client.state === 'closed') continue;
            writeFrames(client.ws, encoded.frame, [encoded]);
            join(client, history.nextSeq);
          }
        },
        onStatus(next) {
          if (next !== ready) log.info({ ready: next }, next ? 'event source tailing' : 'event source not tailing');
          ready = next;
        },
        onCaughtUp() {
          if (history.nextSeq === liveStartSeq) quietMarks += 1;
        },
      });
    },
    async close() {
      ready = false;
      pool?.abortAll();
      rooms.close();
      await source.close();
    },
    stats() {
      return {
        clients: clients.size,
        groups: fanOut.groupCount,
        historyEvents: history.size,
        historyBytes: history.bytes,
        slowClosed,
        catchUp: pool?.stats ?? { open: 0, queued: 0, waiting: 0, peakOpen: 0 },
      };
    },
  };
}
