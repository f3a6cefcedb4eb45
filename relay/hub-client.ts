import type { WebSocket } from 'ws';
import type { Subscription } from '../contract/protocol.js';

// One connection as the delivery core sees it.

/** Where a client is in its life: waiting for a catch-up slot or reading one, waiting for the live feed to reach its position, or following the history/live feed. */
export type ClientState = 'catching-up' | 'waiting' | 'live' | 'closed';

/** A connected client's delivery state. */
export interface HubClient {
  ws: WebSocket;
  subscription: Subscription;
  /** Canonical subscription key (clients with equal keys share matching and buffers). */
  key: string;
  state: ClientState;
  /** For `live`: the history sequence number of the next event it needs. */
  nextSeq: number;
  /** While its socket is too full to write to: cancels the wait for room (see room-watcher.ts). */
  paused: (() => void) | null;
  /** Its `welcome` went out; until then a pong it asked for waits (`pongOwed`), the welcome comes first. */
  welcomed: boolean;
  pongOwed: boolean;
}
