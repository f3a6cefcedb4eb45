import type { WebSocket } from 'ws';
import type { Logger } from '../../common/logger.js';
import { CloseCode } from '../../contract/close-codes.js';
import { PROTOCOL_VERSION, type ResetReason, type Subscription, type WelcomeMessage } from '../../contract/protocol.js';
import { createTally, type Tally } from '../tally.js';
import type { FanOut } from './fan-out.js';
import { encode, writeFrames, type Encoded } from './frames.js';
import { subscriptionKey } from './subscription-match.js';

// One relay client's life, from the accepted socket to its close. This module is the only writer of
// a client's phase and of whether it was welcomed: the hub, the catch-up pool and the fan-out ask it
// to move a client on, and read the phase; none of them sets it. Every move is checked against the
// table below, so a phase always means one thing.

/**
 * Where a client is:
 * - `placing`: accepted; the hub is choosing where it starts (history, catch-up, or live from now).
 * - `held`: starts live from now (a welcome without `since`, or a reset) but the source is not
 *   tailing: it gets that message, and events, the moment the source tails (see hub.ts).
 * - `catching-up`: reading the past from a catch-up stream, or queued for one.
 * - `ahead`: its position is ahead of the live feed; it holds no stream and waits for the feed to reach it.
 * - `live`: the fan-out feeds it from the history.
 * - `closed`: gone; nothing more is written to it.
 */
export type ClientPhase = 'placing' | 'held' | 'catching-up' | 'ahead' | 'live' | 'closed';

/** The moves a phase allows. `live → live` is a restart after the source lost its position. */
const MOVES: Readonly<Record<ClientPhase, readonly ClientPhase[]>> = {
  placing: ['held', 'catching-up', 'live', 'closed'],
  held: ['live', 'closed'],
  'catching-up': ['held', 'ahead', 'live', 'closed'],
  ahead: ['held', 'live', 'closed'],
  live: ['held', 'live', 'closed'],
  closed: [],
};

/** A connected client as the delivery core sees it. Its phase and welcome belong to the lifecycle. */
export interface HubClient {
  readonly ws: WebSocket;
  /** Written by the fan-out only, to share one object among equal subscriptions. */
  subscription: Subscription;
  /** Canonical subscription key (clients with equal keys share matching and buffers). */
  key: string;
  readonly phase: ClientPhase;
  /** Its `welcome` went out (exactly one per connection, always the first message). */
  readonly welcomed: boolean;
  /** The fan-out's cursor while `live`: the history sequence number of the next event it needs. */
  nextSeq: number;
  /** The fan-out's wait while the socket is too full to write to: cancels it (see buffer-watcher.ts). */
  paused: (() => void) | null;
}

/** What the lifecycle writes through; the exported type keeps it read-only for everyone else. */
interface ClientRecord extends HubClient {
  phase: ClientPhase;
  welcomed: boolean;
  /** The client asked for a pong before its welcome: it goes out right after the welcome. */
  pongOwed: boolean;
}

/** What starts a client live from now: its welcome (no `since`), or a reset encoded once for all its clients. */
export type LiveStart = 'welcome' | { reason: ResetReason; encoded: Encoded };

/** How long a slow client's close frame gets before the connection is cut. */
const SLOW_CLOSE_GRACE_MS = 1_000;
/** The answer to a client's ping, encoded once for every client. */
const pongFrame = encode({ type: 'pong' });

/** The owner of every client's phase. */
export interface ClientLifecycle {
  /** Registers an open socket (phase `placing`); undefined when it is no longer open. */
  accept(ws: WebSocket, subscription: Subscription): HubClient | undefined;
  /** A ping arrived before the client's welcome: true when its pong now waits for the welcome. */
  deferPong(ws: WebSocket): boolean;
  /** Sends the client's welcome, once; later calls do nothing. */
  welcome(client: HubClient, resume: WelcomeMessage['resume']): void;
  /** Sends `start` and delivers live from the history's head; holds the client while the source is not tailing. */
  startLive(client: HubClient, start: LiveStart): void;
  /** `placing` → `catching-up`. */
  catchUp(client: HubClient): void;
  /** `catching-up` → `ahead`. */
  waitForFeed(client: HubClient): void;
  /** → `live`: the fan-out delivers from history sequence `fromSeq`. Does nothing to a closed client. */
  join(client: HubClient, fromSeq: number): void;
  /** The source tails (again): every held client gets its welcome or reset and goes live. */
  releaseHeld(): void;
  /** The source lost its position: every client still connected gets this reset and starts live again. */
  resetAll(reason: ResetReason, message: string): void;
  /** Closes a client that cannot keep up (4408), cutting it off if the close frame cannot get through. */
  closeSlow(client: HubClient, reason: string): void;
  /** Closes a client with `code`. */
  close(client: HubClient, code: number, reason: string): void;
  /** A reset message encoded once, for startLive. */
  encodeReset(reason: ResetReason, message: string): LiveStart;
  readonly count: number;
  readonly heldCount: number;
  readonly slowClosed: number;
  /** Connections closed here, by close code (the edge counts its own). */
  readonly closed: Tally<number>;
  /** `reset` messages written, by reason. */
  readonly resets: Tally<ResetReason>;
}

/**
 * Creates the lifecycle. `isTailing` tells whether the source is tailing now; `detach` removes a
 * client from whatever else holds it (the catch-up pool) when it closes.
 */
export function createClientLifecycle({
  relayId,
  heartbeatMs,
  fanOut,
  isTailing,
  nextSeq,
  detach,
  logger,
}: {
  relayId: string;
  heartbeatMs: number;
  fanOut: FanOut;
  isTailing: () => boolean;
  /** The history's head: where a client that starts live from now begins. */
  nextSeq: () => number;
  detach: (client: HubClient) => void;
  logger: Logger;
}): ClientLifecycle {
  // By socket, so one close listener shared by every socket finds its client (no closure per connection).
  const clients = new Map<WebSocket, ClientRecord>();
  /** Held clients, with the message that starts them. */
  const held = new Map<ClientRecord, LiveStart>();
  const closed = createTally<number>();
  const resets = createTally<ResetReason>();
  let slowClosed = 0;

  function move(client: HubClient, to: ClientPhase): ClientRecord {
    const record = client as ClientRecord;
    if (!MOVES[record.phase].includes(to)) throw new Error(`relay client cannot move from ${record.phase} to ${to}`);
    if (record.phase === 'held') held.delete(record);
    if (record.phase === 'live') fanOut.leave(record);
    record.phase = to;
    return record;
  }

  function welcome(client: HubClient, resume: WelcomeMessage['resume']): void {
    const record = client as ClientRecord;
    if (record.welcomed || record.phase === 'closed') return;
    const message: WelcomeMessage = {
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      relayId,
      heartbeatMs,
      resume,
      subscription: record.subscription,
    };
    const encoded = encode(message);
    writeFrames(record.ws, encoded.frame, [encoded]);
    record.welcomed = true;
    if (record.pongOwed) {
      record.pongOwed = false;
      writeFrames(record.ws, pongFrame.frame, [pongFrame]);
    }
  }

  function join(client: HubClient, fromSeq: number): void {
    if (client.phase === 'closed') return;
    fanOut.join(move(client, 'live'), fromSeq);
  }

  function startLive(client: HubClient, start: LiveStart): void {
    if (client.phase === 'closed') return;
    if (!isTailing()) {
      // Held again (a later reset replaces the one it waited with).
      held.set(client.phase === 'held' ? (client as ClientRecord) : move(client, 'held'), start);
      return;
    }
    if (start === 'welcome') welcome(client, 'none');
    else if (writeFrames(client.ws, start.encoded.frame, [start.encoded])) resets.add(start.reason);
    join(client, nextSeq());
  }

  function forget(record: ClientRecord): void {
    if (record.phase === 'closed') return;
    move(record, 'closed');
    if (clients.get(record.ws) === record) clients.delete(record.ws);
    detach(record);
  }

  function encodeReset(reason: ResetReason, message: string): LiveStart {
    return { reason, encoded: encode({ type: 'reset', reason, message }) };
  }

  function onSocketClose(this: WebSocket): void {
    const record = clients.get(this);
    if (record) forget(record);
  }

  function close(client: HubClient, code: number, reason: string): void {
    if (client.phase === 'closed') return;
    forget(client as ClientRecord);
    if (client.ws.readyState === client.ws.OPEN) closed.add(code);
    client.ws.close(code, reason);
  }

  return {
    accept(ws, subscription) {
      if (ws.readyState !== ws.OPEN) return undefined;
      const record: ClientRecord = {
        ws,
        subscription,
        key: subscriptionKey(subscription),
        phase: 'placing',
        welcomed: false,
        pongOwed: false,
        nextSeq: 0,
        paused: null,
      };
      clients.set(ws, record);
      // `on`, not `once`: close fires once anyway, and `once` wraps the listener in one more closure.
      ws.on('close', onSocketClose);
      return record;
    },
    deferPong(ws) {
      const record = clients.get(ws);
      if (!record || record.welcomed) return false;
      record.pongOwed = true;
      return true;
    },
    welcome,
    startLive,
    catchUp: (client) => void move(client, 'catching-up'),
    waitForFeed: (client) => void move(client, 'ahead'),
    join,
    releaseHeld() {
      if (held.size === 0) return;
      logger.info({ clients: held.size }, 'event source tailing: starting the clients that waited for it');
      for (const [client, start] of [...held]) startLive(client, start);
    },
    resetAll(reason, message) {
      const start = encodeReset(reason, message);
      for (const record of [...clients.values()]) {
        // A client still waiting for its first welcome starts live at that welcome: nothing to reset.
        if (record.phase === 'closed' || held.get(record) === 'welcome') continue;
        // One whose catch-up ended before the log accepted its position was never welcomed.
        welcome(record, 'reset');
        startLive(record, start);
      }
    },
    closeSlow(client, reason) {
      if (client.phase === 'closed') return;
      slowClosed += 1;
      logger.info({ bufferedBytes: client.ws.bufferedAmount, reason }, 'closing a slow client');
      close(client, CloseCode.slowClient, reason);
      // The close frame queues behind everything unsent; a client that reads nothing never gets it.
      const timer = setTimeout(() => client.ws.terminate(), SLOW_CLOSE_GRACE_MS);
      timer.unref();
      client.ws.once('close', () => clearTimeout(timer));
    },
    close,
    encodeReset,
    get count() {
      return clients.size;
    },
    get heldCount() {
      return held.size;
    },
    get slowClosed() {
      return slowClosed;
    },
    closed,
    resets,
  };
}
