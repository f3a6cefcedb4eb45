import type { WebSocket } from 'ws';
import type { ResetReason, Subscription } from '../../contract/protocol.js';
import type { ResumePosition } from '../../contract/stream-position.js';
import type { Tally } from '../tally.js';

// The contract between the relay's edge (HTTP server, upgrade checks, heartbeats, shutdown) and its
// delivery core (hub: fan-out, history, catch-up). The edge accepts and validates a connection,
// then hands the socket over; the hub owns everything the client receives.

/** A validated connection request. */
export interface ConnectRequest {
  subscription: Subscription;
  /** `?since=`, parsed by the edge: after an event id (resume token), or after a cluster time. */
  since?: ResumePosition;
}

/** The delivery core as the edge sees it. */
export interface Hub {
  /**
   * Takes over an accepted socket: sends `welcome`, replays from `since` (or `reset`), then live
   * events; closes it with the slow-client code when its unsent bytes pass the bound. Forgets the
   * socket when it closes. "Live from now" (no `since`, or a reset) waits until the source is tailing.
   */
  connect(socket: WebSocket, request: ConnectRequest): void;
  /**
   * A client's `{"type":"ping"}` arrived before its welcome (it waits for a catch-up slot or for the
   * source to tail): true when the hub takes the pong and sends it right after the welcome, so the
   * welcome stays the first message. False when the pong may go out now.
   */
  deferPong(socket: WebSocket): boolean;
  /** Whether the event source is tailing (drives /readyz). */
  readonly ready: boolean;
  /** Sockets currently held. */
  readonly clientCount: number;
  /** Stops the event source and catch-up streams; sockets are closed by the edge's drain. */
  close(): Promise<void>;
  /** What the delivery core holds and has done so far (tests, benchmarks, /metrics). */
  stats(): HubStats;
}

/** The delivery core's numbers: gauges read now, counters since the hub was created. */
export interface HubStats {
  clients: number;
  /** Distinct subscriptions among live clients. */
  groups: number;
  historyEvents: number;
  historyBytes: number;
  slowClosed: number;
  /** Clients waiting for the source to tail before their welcome or reset. */
  heldForFeed: number;
  catchUp: { open: number; queued: number; waiting: number; peakOpen: number };
  /** The event source is tailing. */
  ready: boolean;
  /** Times the source was tailing again after it had stopped. */
  sourceReopens: number;
  /** New events from the source (repeats after a reopen are dropped and not counted). */
  eventsReceived: number;
  /** Event messages written to clients (live, history replays, catch-up), and their bytes on the wire. */
  delivered: { messages: number; bytes: number };
  /** Connections the hub closed, by close code (the edge counts its own). */
  closed: Tally<number>;
  /** `reset` messages written to clients, by reason. */
  resets: Tally<ResetReason>;
}
