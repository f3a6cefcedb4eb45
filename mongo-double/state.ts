// Everything the double keeps between connections and across restarts, and what one connection knows.
import { ObjectId, type Document } from 'bson';
import type { Logger } from '../common/logger.js';
import type { CursorRegistry } from './cursors.js';
import type { OperationFacts } from './error-labels.js';
import type { FailPoints } from './fail-points.js';
import type { Store } from './store.js';

/** The replica-set identity the double reports; constant across restarts, but for `topologyVersion`. */
export interface Topology {
  replSetName: string;
  /** host:port as clients dial it; the only member of `hosts`. */
  me: string;
  electionId: ObjectId;
  setVersion: number;
  topologyVersion: TopologyVersion;
}

/**
 * What hello reports so drivers can use the streaming (awaitable) hello protocol: a processId new
 * with every start, as a mongod process gets one, and a counter that would grow with every change
 * of topology. The double's topology never changes, so the counter stays 0.
 */
export interface TopologyVersion {
  processId: ObjectId;
  counter: number;
}

/** Shared state of one double. */
export interface DoubleState {
  store: Store;
  cursors: CursorRegistry;
  failPoints: FailPoints;
  topology: Topology;
  logger: Logger;
  /** Replies of retryable writes by session and txnNumber, so a retry after a dropped connection is not applied twice. */
  retriedWrites: Map<string, Document>;
  nextConnectionId: number;
}

/** One client connection as commands see it. */
export interface ConnectionInfo {
  id: number;
  appName?: string;
  /** Aborted when the connection closes: waiting getMores give up. */
  signal: AbortSignal;
}

/** What every command handler receives. */
export interface CommandContext {
  db: string;
  state: DoubleState;
  connection: ConnectionInfo;
  /** What the handler tells the error labelling (a getMore that checked out a change-stream cursor). */
  facts: OperationFacts;
}

/** A command implementation: returns the reply body (ok: 1 and results) or throws CommandError. */
export type CommandHandler = (command: Document, context: CommandContext) => Document | Promise<Document>;

/** The electionId every double reports, so a restarted double is seen as the same primary. */
export const ELECTION_ID = new ObjectId('7fffffff0000000000000001');
