import { MongoClient } from 'mongodb';
import { createApp } from '../api/app.js';
import { ensureIndexes } from '../api/indexes.js';
import { listen } from '../api/server.js';
import { silentLogger } from '../common/logger.js';
import { startMongoDouble } from '../mongo-double/index.js';
import { createCatchUpOpener } from '../relay/mongo/catch-up-opener.js';
import { createChangeFeed } from '../relay/mongo/change-feed.js';
import { relayConfig } from '../relay/config.js';
import { createRelay } from '../relay/relay.js';
import { failStart, serveParent } from './children.js';
import { cpuMs } from './clock.js';

// One service of the end-to-end scenario in its own process (argv: role, MongoDB URL, database), wired
// exactly as its main.ts wires it but on a free loopback port it reports back:
//   mongo  the MongoDB double (only when no MONGO_URL is given)
//   api    the product API over MongoDB
//   relay  the relay tailing the products collection through its change feed

/** What an e2e service process announces. */
export interface ServiceInfo {
  /** mongodb:// URL for mongo, port for api and relay. */
  url: string;
  port: number;
  pid: number;
}

/** The operations an e2e service process serves. */
export type ServiceOps = {
  cpu: { args: null; result: number };
};

const READY_TIMEOUT_MS = 20_000;

async function main(): Promise<void> {
  const [role, mongoUrl = '', database = 'bench'] = process.argv.slice(2);
  const info = await start(role, mongoUrl, database);
  serveParent<ServiceOps>({ ...info, pid: process.pid } satisfies ServiceInfo, { cpu: async () => cpuMs() });
}

async function start(role: string | undefined, mongoUrl: string, database: string): Promise<Omit<ServiceInfo, 'pid'>> {
  if (role === 'mongo') {
    const double = await startMongoDouble({ host: '127.0.0.1', port: 0 });
    return { url: double.url, port: double.port };
  }
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000, appName: `bench-${role}` });
  await client.connect();
  const db = client.db(database);
  if (role === 'api') {
    await ensureIndexes(db);
    const server = await listen(createApp({ db, logger: silentLogger() }), { host: '127.0.0.1', port: 0 });
    return { url: server.url, port: server.port };
  }
  if (role === 'relay') {
    const collection = db.collection('products');
    // Every benchmark client connects from 127.0.0.1: no per-address limit below the connection limit.
    const config = relayConfig({
      host: '127.0.0.1',
      port: 0,
      mongoDb: database,
      logLevel: 'silent',
      maxConnectionsPerIp: relayConfig().maxConnections,
    });
    const relay = createRelay({
      config,
      source: createChangeFeed({ collection, logger: silentLogger() }),
      catchUp: createCatchUpOpener({ collection }),
      logger: silentLogger(),
    });
    const port = await relay.listen(0, '127.0.0.1');
    // Announce only once the change stream is open, so no POST can precede it.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!relay.hub.ready) {
      if (Date.now() > deadline) throw new Error('the relay change feed did not start tailing');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { url: `ws://127.0.0.1:${port}/`, port };
  }
  throw new Error(`unknown role ${String(role)}`);
}

main().catch(failStart);
