import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { pino } from 'pino';
import { createApp } from '../api/app.js';
import { loadApiConfig } from '../api/config.js';
import { createLogger } from '../common/logger.js';
import { ensureIndexes } from '../api/indexes.js';
import { listen } from '../api/server.js';
import { driverCalls } from './api-peers/driver-calls.js';
import { expressApp } from './api-peers/express-app.js';
import { honoFloorApp } from './api-peers/hono-floor.js';
import { nodeHttpServer } from './api-peers/node-http.js';
import { API_TARGET_NAMES, type ApiTargetName } from './api-targets.js';
import { failStart, serveParent } from './children.js';
import { cpuMs } from './clock.js';

// One HTTP server of the api scenario in its own process (argv: target, MongoDB URL, database), on a
// free loopback port. Every target gets a database of its own with the API's indexes and the same
// seeded products, so GET one and GET list read the same data everywhere.

/** What an api target process announces. */
export interface ApiTargetInfo {
  url: string;
  /** A seeded product's id, for GET one. */
  productId: string;
  pid: number;
}

/** The operations an api target process serves. */
export type ApiTargetOps = {
  /** CPU time used so far (user + system), ms. */
  cpu: { args: null; result: number };
  /** Exits cleanly at once, without answering (so --cpu-prof can write its profile). */
  exit: { args: null; result: null };
};

/** Products seeded before the run (more than one page of the list). */
export const SEEDED_PRODUCTS = 100;

async function main(): Promise<void> {
  const [name, mongoUrl = '', database = 'bench_api'] = process.argv.slice(2);
  if (!(API_TARGET_NAMES as readonly string[]).includes(name ?? '')) throw new Error(`unknown api target ${String(name)}`);
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000, appName: `bench-${name}` });
  await client.connect();
  const db = client.db(database);
  const productId = await seed(db);
  const url = await serveTarget(name as ApiTargetName, db);
  serveParent<ApiTargetOps>({ url, productId, pid: process.pid } satisfies ApiTargetInfo, {
    cpu: async () => cpuMs(),
    exit: async () => process.exit(0),
  });
}

async function seed(db: Db): Promise<string> {
  await ensureIndexes(db);
  const start = Date.now() - SEEDED_PRODUCTS * 1000;
  const docs = Array.from({ length: SEEDED_PRODUCTS }, (_, i) => {
    const at = new Date(start + i * 1000);
    return { _id: new ObjectId(), nombre: `seed ${i}`, precio: 10 + i, talla: 'M', createdAt: at, updatedAt: at };
  });
  await db.collection('products').insertMany(docs, { writeConcern: { w: 'majority' } });
  return docs[0]!._id.toHexString();
}

async function serveTarget(name: ApiTargetName, db: Db): Promise<string> {
  if (name === 'api' || name === 'api-single') {
    // As deployed: the project's logger (credential redaction included) at the default level (info),
    // through the stream pino makes for stdout (asynchronous writes), to /dev/null so the bench's own
    // output stays readable.
    // Every MongoDB call bounded by the deployed default deadline (MONGO_OPERATION_TIMEOUT_MS).
    const logger = createLogger('api', { level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
    // api-single: creates not grouped (API_INSERT_GROUP_MAX=1), one insert command each, as the peers send them.
    const { mongoOperationTimeoutMs, insertGroupMax } = loadApiConfig(name === 'api-single' ? { API_INSERT_GROUP_MAX: '1' } : {});
    const app = createApp({ db, logger, operationTimeoutMs: mongoOperationTimeoutMs, insertGroupMax });
    return (await listen(app, { host: '127.0.0.1', port: 0 })).url;
  }
  const calls = driverCalls(db);
  let server: Server;
  if (name === 'hono') server = serve({ fetch: honoFloorApp(calls).fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  else if (name === 'express') server = expressApp(calls).listen(0, '127.0.0.1');
  else server = nodeHttpServer(calls).listen(0, '127.0.0.1');
  if (!server.listening) await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

main().catch(failStart);
