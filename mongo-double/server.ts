// The double's TCP server and its controls: start, stop, restart on the same port (data and oplog
// kept), drop every connection, forget oplog history.
import { createServer, type Server, type Socket } from 'node:net';
import { ObjectId } from 'bson';
import { silentLogger, type Logger } from '../common/logger.js';
import { serveConnection } from './connection.js';
import { CursorRegistry } from './cursors.js';
import { FailPoints } from './fail-points.js';
import type { OpTime } from './op-time.js';
import { Oplog } from './oplog.js';
import { createPauseSwitch } from './pause.js';
import { newEpoch } from './resume-token.js';
import { ELECTION_ID, type DoubleState } from './state.js';
import { Store } from './store.js';

/** Options of startMongoDouble. */
export interface MongoDoubleOptions {
  /** TCP port; 0 (default) picks a free one, which later restarts keep. */
  port?: number;
  /** Interface to bind; loopback by default. Also the host in `hosts` and the URL. */
  host?: string;
  /** Replica set name reported by hello (default 'rs0'). */
  replSetName?: string;
  /** Oplog entries retained; older ones are forgotten (resuming before them gives code 286). */
  oplogMaxEntries?: number;
  /** Where the double logs; silent by default. */
  logger?: Logger;
}

/** A running double and its fault-injection controls. */
export interface MongoDouble {
  /** Connection string: mongodb://host:port/?replicaSet=<name>. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Closes every connection and the listener. Data is kept; restart() serves it again. */
  stop(): Promise<void>;
  /** Stops, waits `downtimeMs` (default 0), and listens again on the same port with data and oplog kept; cursors are lost, as in a failover. */
  restart(options?: { downtimeMs?: number }): Promise<void>;
  /** Destroys every open client connection; the listener keeps accepting. */
  dropConnections(): void;
  /** Forgets oplog entries before `before` (default: all), so older resume points give ChangeStreamHistoryLost (286). */
  forgetHistory(before?: OpTime): void;
  /** Stalls like a stopped process: connections stay open, nothing is read or answered until resume(). */
  pause(): void;
  /** Continues after pause(), answering what was held. */
  resume(): void;
}

const DEFAULT_OPLOG_ENTRIES = 100_000;
const CURSOR_SWEEP_MS = 60_000;
/** Connections beyond this are refused, so a connection storm cannot exhaust memory. */
const MAX_CONNECTIONS = 2000;

/** Starts a double listening on host:port and resolves once it accepts connections. */
export async function startMongoDouble(options: MongoDoubleOptions = {}): Promise<MongoDouble> {
  const { host = '127.0.0.1', replSetName = 'rs0', oplogMaxEntries = DEFAULT_OPLOG_ENTRIES, logger = silentLogger() } = options;
  if (!Number.isInteger(oplogMaxEntries) || oplogMaxEntries < 1) throw new RangeError('oplogMaxEntries must be a positive integer');
  const state: DoubleState = {
    store: new Store(new Oplog(newEpoch(), oplogMaxEntries)),
    cursors: new CursorRegistry(),
    failPoints: new FailPoints(),
    topology: { replSetName, me: '', electionId: ELECTION_ID, setVersion: 1, topologyVersion: { processId: new ObjectId(), counter: 0 } },
    logger,
    retriedWrites: new Map(),
    nextConnectionId: 1,
  };
  // An IPv6 literal is written in brackets in URLs and host:port pairs.
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const sockets = new Set<Socket>();
  const stall = createPauseSwitch();
  let server: Server | null = null;
  let port = options.port ?? 0;
  let sweep: NodeJS.Timeout | null = null;

  async function listen(): Promise<void> {
    const next = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      serveConnection(socket, state);
      stall.adopt(socket);
    });
    next.maxConnections = MAX_CONNECTIONS;
    port = await listenWithRetry(next, host, port);
    next.on('error', (error) => logger.error({ err: error }, 'mongo-double server error'));
    server = next;
    state.topology.me = `${hostInUrl}:${port}`;
    // Every start is a new server process to clients: a monitor waiting on the old one starts over.
    state.topology.topologyVersion = { processId: new ObjectId(), counter: 0 };
    sweep = setInterval(() => state.cursors.expireIdle(), CURSOR_SWEEP_MS);
    sweep.unref();
  }

  async function close(): Promise<void> {
    if (sweep) clearInterval(sweep);
    sweep = null;
    const closing = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  }

  await listen();
  const url = `mongodb://${hostInUrl}:${port}/?replicaSet=${encodeURIComponent(replSetName)}`;
  logger.info({ url }, 'MongoDB test double listening (in-memory test double, not a production database)');

  return {
    url,
    host,
    get port() {
      return port;
    },
    async stop() {
      await close();
      logger.info({ url }, 'MongoDB test double stopped');
    },
    async restart({ downtimeMs = 0 } = {}) {
      await close();
      state.cursors.clear();
      if (downtimeMs > 0) await new Promise((resolve) => setTimeout(resolve, downtimeMs));
      await listen();
      logger.info({ url }, 'MongoDB test double restarted with its data and oplog');
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    forgetHistory(before) {
      state.store.oplog.forget(before);
    },
    pause() {
      stall.pause(sockets);
      logger.info({ url }, 'MongoDB test double paused (stalled: connections open, nothing answered)');
    },
    resume() {
      stall.resume(sockets);
      logger.info({ url }, 'MongoDB test double resumed');
    },
  };
}

/** Listens, retrying briefly if the port is still held by the previous listener's sockets. */
async function listenWithRetry(server: Server, host: string, port: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
      return address.port;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
