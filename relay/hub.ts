import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { parseStreamPosition } from '../contract/stream-position.js';
import type { Logger } from '../common/logger.js';
import { createCatchUpPool } from './catch-up-pool.js';
import type { CatchUpOpener } from './catch-up-types.js';
import { CloseCode } from '../contract/close-codes.js';
import type { RelayConfig } from './config.js';
import type { EventSource } from './event-source.js';
import { createFanOut } from './fan-out.js';
import { encode, writeFrames, type Delivered, type Encoded } from './frames.js';
import { createHistory } from './history.js';
import { createRoomWatcher } from './room-watcher.js';
import type { HubClient } from './hub-client.js';
import type { ConnectRequest, Hub, HubStats } from './hub-types.js';
import { PROTOCOL_VERSION, type ResetReason, type WelcomeMessage } from '../contract/protocol.js';
import { subscriptionKey } from './subscription-match.js';
import { createTally } from './tally.js';

// The delivery core: takes sockets from the edge, places each client's position (history, catch-up,
// or reset), and feeds it from the event source through the fan-out. See fan-out.ts for live delivery
// and catch-up-pool.ts for positions older than the history.
//
// "Live from now" (a welcome without `since`, or a reset: reload a snapshot, then continue live) is a
// promise that every change committed after that message follows. Only an open change stream can
// keep it: one opened later starts later. So while the source is not tailing (the relay has just
// started, or its stream failed and is reopening) such a client is held, connected, and gets its
// welcome or reset the moment the source tails again; /readyz says 503 meanwhile. A client resuming
// from the history needs no hold: the source reopens from its own last position, after that history.

/** How long a slow client's close frame gets before the connection is cut. */
const SLOW_CLOSE_GRACE_MS = 1_000;
/** The answer to a client's ping, encoded once for every client. */
const pongFrame = encode({ type: 'pong' });
/** A client whose full socket drains nothing for this long has stopped reading: it is closed as slow. */
export const STALL_MS = 500;

/** A `reset` encoded once for all the clients it goes to. */
interface ResetStart {
  reason: ResetReason;
  encoded: Encoded;
}

/** What starts a client live from now: its welcome (no `since`), or a reset. */
type LiveStart = 'welcome' | ResetStart;

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
  // By socket, so one close listener shared by every socket finds its client (no closure per connection).
  const clients = new Map<WebSocket, HubClient>();
  let ready = false;
  let liveStartSeq = 0;
  let quietMarks = 0;
  let slowClosed = 0;
  // Counters for /metrics: plain numbers bumped where things happen, read when scraped.
  let everReady = false;
  let sourceReopens = 0;
  let eventsReceived = 0;
  const delivered: Delivered = { messages: 0, bytes: 0 };
  const closed = createTally<number>();
  const resets = createTally<ResetReason>();
  /** Clients waiting for the source to tail before they start live, with the message that starts them. */
  const held = new Map<HubClient, LiveStart>();

  const rooms = createRoomWatcher({ stallMs: STALL_MS });
  const fanOut = createFanOut({ history, maxBufferedBytes: config.maxBufferedBytes, closeSlow, rooms, delivered });

  const pool = catchUp
    ? createCatchUpPool({
        opener: catchUp,
        maxStreams: config.maxCatchUpStreams,
        logger,
        host: {
          history,
          maxBufferedBytes: config.maxBufferedBytes,
          rooms,
          delivered,
          liveStartSeq: () => liveStartSeq,
          quietMarks: () => quietMarks,
          welcome,
          resetToLive: (client, reason, message) => startLive(client, encodeReset(reason, message)),
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
    client.welcomed = true;
    if (client.pongOwed) {
      client.pongOwed = false;
      writeFrames(client.ws, pongFrame.frame, [pongFrame]);
    }
  }

  function encodeReset(reason: ResetReason, message: string): ResetStart {
    return { reason, encoded: encode({ type: 'reset', reason, message }) };
  }

  function join(client: HubClient, fromSeq: number): void {
    if (client.state === 'closed') return;
    fanOut.join(client, fromSeq);
  }

  /** Sends `start` (a welcome, or a reset) and delivers live from there; waits while the source is not tailing. */
  function startLive(client: HubClient, start: LiveStart): void {
    if (client.state === 'closed') return;
    if (!ready) {
      client.state = 'waiting';
      held.set(client, start);
      return;
    }
    if (start === 'welcome') welcome(client, 'none');
    else if (writeFrames(client.ws, start.encoded.frame, [start.encoded])) resets.add(start.reason);
    join(client, history.nextSeq);
  }

  function releaseHeld(): void {
    if (held.size === 0) return;
    log.info({ clients: held.size }, 'event source tailing: starting the clients that waited for it');
    for (const [client, start] of [...held]) {
      held.delete(client);
      startLive(client, start);
    }
  }

  function forget(client: HubClient): void {
    if (client.state === 'closed' && clients.get(client.ws) !== client) return;
    client.state = 'closed';
    if (clients.get(client.ws) === client) clients.delete(client.ws);
    held.delete(client);
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
    if (client.ws.readyState === client.ws.OPEN) closed.add(code);
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
    deferPong(ws: WebSocket) {
      const client = clients.get(ws);
      if (!client || client.welcomed) return false;
      client.pongOwed = true;
      return true;
    },
    connect(ws: WebSocket, request: ConnectRequest) {
      const client: HubClient = { ws, subscription: request.subscription, key: subscriptionKey(request.subscription), state: 'waiting', nextSeq: 0, paused: null, welcomed: false, pongOwed: false };
      if (ws.readyState !== ws.OPEN) return;
      clients.set(ws, client);
      // `on`, not `once`: close fires once anyway, and `once` wraps the listener in one more closure.
      ws.on('close', onSocketClose);
      const since = request.since;
      if (since === undefined) return startLive(client, 'welcome');
      const time = parseStreamPosition(since);
      const seq = time ? history.firstAfterTime(time) : history.seqOf(since);
      if (seq !== undefined) {
        welcome(client, 'resumed');
        return join(client, time ? seq : seq + 1);
      }
      if (pool) return pool.request(client, since);
      welcome(client, 'reset');
      startLive(client, encodeReset('unknown-position', 'that position is not in the relay history; reload a snapshot'));
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
        onReset(reason, message) {
          log.warn({ reason, clients: clients.size }, 'event source lost its position: resetting every client');
          // Deliver what is pending first, so the reset is not overtaken by older events.
          fanOut.flush();
          history.clear();
          liveStartSeq = history.nextSeq;
          quietMarks = 0;
          // Catch-ups end too: their hand-over relies on the history that was just cleared.
          for (const { client, welcomed } of pool?.abortAll() ?? []) if (!welcomed) welcome(client, 'reset');
          // The source reopens from now once it can (a feed reports not tailing first): each reset goes
          // out when it tails, so a snapshot reloaded on it is never older than the new stream.
          const encoded = encodeReset(reason, message);
          for (const client of [...clients.values()]) {
            // A client still waiting for its first welcome starts live at that welcome: nothing to reset.
            if (client.state === 'closed' || held.get(client) === 'welcome') continue;
            fanOut.leave(client);
            startLive(client, encoded);
          }
        },
        onStatus(next) {
          if (next !== ready) log.info({ ready: next }, next ? 'event source tailing' : 'event source not tailing');
          if (next && !ready && everReady) sourceReopens += 1;
          ready = next;
          everReady ||= next;
          if (ready) releaseHeld();
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
    stats(): HubStats {
      return {
        clients: clients.size,
        groups: fanOut.groupCount,
        historyEvents: history.size,
        historyBytes: history.bytes,
        slowClosed,
        heldForFeed: held.size,
        catchUp: pool?.stats ?? { open: 0, queued: 0, waiting: 0, peakOpen: 0 },
        ready,
        sourceReopens,
        eventsReceived,
        delivered: { ...delivered },
        closed,
        resets,
      };
    },
  };
}
