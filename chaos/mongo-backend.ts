import { MongoClient } from 'mongodb';
import { startMongoDouble } from '../mongo-double/index.js';

// The MongoDB a chaos run uses. With MONGO_URL it is that deployment, and faults go through
// `configureFailPoint` (failCommand with closeConnection), which only a mongod started with test
// commands enabled accepts; otherwise the in-process double, whose hooks drop every connection or
// restart it on the same port with its data and oplog kept.

/** A MongoDB with the faults the run can inject into it. */
export interface ChaosMongo {
  url: string;
  description: string;
  /** Why drops cannot be injected, when they cannot. */
  dropsUnavailable?: string;
  restartsUnavailable?: string;
  /** Drops every client connection (the API's, the relay's) at once. */
  dropConnections(): Promise<void>;
  /** Stops MongoDB and starts it again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** MONGO_URL if set, else a double in this process on a free loopback port. */
export async function openChaosMongo(mongoUrl: string | undefined): Promise<ChaosMongo> {
  if (mongoUrl) return external(mongoUrl);
  const double = await startMongoDouble({ port: 0, host: '127.0.0.1', replSetName: 'rs0' });
  return {
    url: double.url,
    description: `MongoDB double in this process at ${double.url} (test infrastructure, not a database)`,
    dropConnections: async () => double.dropConnections(),
    restart: async () => double.restart(),
    close: async () => double.stop(),
  };
}

async function external(url: string): Promise<ChaosMongo> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const admin = client.db('admin');
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
    dropConnections: async () => {
      // The next few commands of every client get their connection closed, as a network drop would.
      await admin.command({
        configureFailPoint: 'failCommand',
        mode: { times: 4 },
        data: { failCommands: ['insert', 'find', 'getMore', 'aggregate', 'update'], closeConnection: true },
      });
    },
    restart: async () => {
      throw new Error('cannot restart a MongoDB given by MONGO_URL');
    },
    close: async () => {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' }).catch(() => {});
      await client.close();
    },
  };
}
