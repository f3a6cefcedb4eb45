import { createTally, type Tally } from '../tally.js';

// What the edge counts for /metrics: plain numbers bumped where upgrades are refused and connections
// closed, nothing kept per connection.

/** The edge's counters, since the server was created. */
export interface EdgeCounters {
  /** Upgrades accepted (101). */
  accepted: number;
  /** Upgrades refused before the 101, by HTTP status. */
  refused: Tally<number>;
  /** Requests Node's HTTP parser rejected (malformed 400, too slow 408, headers too large 431), by status. */
  badRequests: Tally<number>;
  /** Connections the edge (or ws, for a frame it refused) closed, by the close code sent. */
  closed: Tally<number>;
  /** Peers terminated for missing a pong. */
  heartbeatTimeouts: number;
}

/** The edge's numbers: its counters plus what it holds now. */
export interface EdgeStats extends EdgeCounters {
  /** Open WebSocket connections (as /readyz reports them). */
  clients: number;
  draining: boolean;
}

/** Counters at zero. */
export function createEdgeCounters(): EdgeCounters {
  return { accepted: 0, refused: createTally(), badRequests: createTally(), closed: createTally(), heartbeatTimeouts: 0 };
}
