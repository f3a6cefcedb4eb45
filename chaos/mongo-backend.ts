import { MongoClient } from 'mongodb';
import { startMongoDouble } from '../mongo-double/index.js';
import { freePort } from './free-port.js';

// The MongoDB a chaos run uses. With MONGO_URL it is that deployment, and drops go through
// `configureFailPoint` (failCommand with closeConnection), which only a mongod started with test
// commands enabled accepts; otherwise the in-process double, whose hooks drop every connection at
// once (or, with --drop-mode commands, the same fail point) and restart it on the same port with its
// data and oplog kept.

/** A MongoDB with the faults the run can inject into it. */
export interface ChaosMongo {
  url: string;
  description: string;
  /** Why drops cannot be injected, when they cannot. */
  dropsUnavailable?: string;
  restartsUnavailable?: string;
  /** Why stalls and a late start cannot be injected, when they cannot. */
  stallsUnavailable?: string;
  /** Drops every client connection (the API's, the relay's) at once. */
  dropConnections(): Promise<void>;
  /** Stops MongoDB and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops answering without closing anything (a stopped mongod), for `ms`. */
  stall(ms: number): Promise<void>;
  /** With `deferStart`: starts MongoDB on the port its URL already names. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** How a drop is made: every connection at once (the double's hook), or mid-command (fail point). */
export type DropMode = 'all' | 'commands';

/** MONGO_URL if set, else a double in this process on a free loopback port. */
export async function openChaosMongo(
  mongoUrl: string | undefined,
  dropMode: DropMode = 'all',
  { deferStart = false } = {},
): Promise<ChaosMongo> {
  if (mongoUrl) return external(mongoUrl);
  // A late start needs the URL before MongoDB exists: the port is reserved now, listened on later.
  const options = { port: deferStart ? await freePort() : 0, host: '127.0.0.1', replSetName: 'rs0' };
  let double = deferStart ? undefined : await startMongoDouble(options);
  const url = double?.url ?? `mongodb://127.0.0.1:${options.port}/?replicaSet=rs0`;
  const running = () => {
    if (!double) throw new Error('MongoDB has not been started yet');
    return double;
  };
  const viaFailPoint = failPointDrop(url);
  return {
    url,
    description: `MongoDB double in this process at ${url} (test infrastructure, not a database); drops: ${dropMode === 'all' ? 'every connection at once' : 'failCommand closeConnection'}`,
    dropConnections: dropMode === 'all' ? async () => running().dropConnections() : viaFailPoint.drop,
    restart: async () => running().restart(),
    stall: async (ms) => {
      running().pause();
      await new Promise((resolve) => setTimeout(resolve, ms));
      running().resume();
    },
    start: async () => {
      double ??= await startMongoDouble(options);
    },
    close: async () => {
      await viaFailPoint.close();
      double?.resume();
      await double?.stop();
    },
  };
}

/**
 * Drops made by the server mid-command: the next few getMore/insert/find/aggregate commands, of any
 * client, have their connection closed (failCommand closeConnection, as a mongod with test commands).
 */
function failPointDrop(url: string): { drop(): Promise<void>; close(): Promise<void> } {
  let client: MongoClient | undefined;
  return {
    async drop() {
      client ??= await new MongoClient(url, { serverSelectionTimeoutMS: 5_000, appName: 'chaos-faults' }).connect();
      await client.db('admin').command({
        configureFailPoint: 'failCommand',
        mode: { times: 4 },
        data: { failCommands: ['insert', 'find', 'getMore', 'aggregate'], closeConnection: true },
      });
    },
    async close() {
      await client?.close();
    },
  };
}

async function external(url: string): Promise<ChaosMongo> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const admin = client.db('admin');
  const viaFailPoint = failPointDrop(url);
  let dropsUnavailable: string | undefined;
  try {
    await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
  } catch (error) {
    dropsUnavailable = `MONGO_URL does not accept configureFailPoint (start mongod with --setParameter enableTestCommands=1): ${String(error)}`;
  }
  return {
    url,
    description: `MONGO_URL ${url.replace(/\/\/[^@/]*@/, '//***@')}`,
    dropsUnavailable,
    restartsUnavailable: 'a MongoDB given by MONGO_URL is not ours to restart',
    stallsUnavailable: 'a MongoDB given by MONGO_URL is not ours to stop or start late',
    dropConnections: viaFailPoint.drop,
    restart: async () => {
      throw new Error('cannot restart a MongoDB given by MONGO_URL');
    },
    stall: async () => {
      throw new Error('cannot stall a MongoDB given by MONGO_URL');
    },
    start: async () => {},
    close: async () => {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' }).catch(() => {});
      await viaFailPoint.close();
      await client.close();
    },
  };
}
