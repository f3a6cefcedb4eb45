import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, vi } from 'vitest';
import type { ResumingClient } from '../../chaos/resuming-client.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import { createCatchUpOpener } from '../../relay/mongo/catch-up-opener.js';
import type { CatchUpOpener } from '../../relay/delivery/catch-up-source.js';
import { createChangeFeed } from '../../relay/mongo/change-feed.js';
import { relayConfig, type RelayConfig } from '../../relay/config.js';
import { createRelay, type Relay } from '../../relay/relay.js';
import { createApp } from '../../api/app.js';
import { ensureIndexes } from '../../api/indexes.js';
import { listen } from '../../api/server.js';
import { startControllableMongo } from '../harness/controllable-mongo.js';
import { mongoUrl as harnessMongoUrl } from '../harness/mongo.js';

// The parts of the running system the end-to-end and fault tests start in-process: a database of
// their own on the harness's MongoDB, the API and the relay on free loopback ports, each with its own
// MongoClient (so a MongoDB fault reaches them as it would reach the real processes).

/**
 * A MongoDB for a test that sets fail points: they are server-wide, one `failCommand` at a time, so a
 * test file gets a server of its own when the harness can start one; with MONGO_URL it shares that.
 */
export async function failPointMongo(): Promise<{ url: string; stop(): Promise<void> }> {
  const own = await startControllableMongo();
  return own ? { url: own.url, stop: () => own.stop() } : { url: harnessMongoUrl(), stop: async () => {} };
}

/** Null when `db`'s server takes `configureFailPoint` (it turns failCommand off), else why a test must skip. */
export async function failPointsUnavailable(db: Db): Promise<string | null> {
  try {
    await db.admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
    return null;
  } catch (error) {
    return `configureFailPoint is not available (test commands disabled?): ${(error as Error).message}`;
  }
}

/** What a fail-point test file runs against; filled in before its tests. */
export interface FailPointSystem {
  database: TestDatabase;
  api: RunningApi;
  relay: RunningRelay;
  /** Why fail points cannot be set here (the tests skip), or null. */
  unavailable: string | null;
  /** Clients a test starts; stopped after the file. */
  clients: ResumingClient[];
}

/**
 * For a test file that hurts MongoDB with fail points: its own MongoDB where the harness can start
 * one, database `name` emptied, the API and the relay (with the appNames fail points aim at), all
 * started before the file's tests and stopped after them, fail point off.
 */
export function failPointSystem(name: string, appNames: { api?: string; relay?: string }): FailPointSystem {
  const system = { clients: [] as ResumingClient[], unavailable: null } as unknown as FailPointSystem;
  let mongo: { url: string; stop(): Promise<void> } | undefined;
  beforeAll(async () => {
    mongo = await failPointMongo();
    system.database = await openTestDatabase(mongo.url, name);
    system.unavailable = await failPointsUnavailable(system.database.db);
    system.api = await startApi(mongo.url, name, { appName: appNames.api });
    system.relay = await startRelay(mongo.url, name, {}, { appName: appNames.relay });
  });
  afterAll(async () => {
    for (const client of system.clients) client.stop();
    await system.database?.db
      .admin()
      .command({ configureFailPoint: 'failCommand', mode: 'off' })
      .catch(() => {});
    await system.relay?.close();
    await system.api?.close();
    await system.database?.close();
    await mongo?.stop();
  });
  return system;
}

/** A connected client and a database emptied for this test file. */
export interface TestDatabase {
  client: MongoClient;
  db: Db;
  name: string;
  close(): Promise<void>;
}

/** Connects and drops `name` first, so a rerun on a persistent MONGO_URL starts clean. */
export async function openTestDatabase(mongoUrl: string, name: string): Promise<TestDatabase> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000, appName: `test-${name}` });
  await client.connect();
  const db = client.db(name);
  await db.dropDatabase();
  return { client, db, name, close: () => client.close() };
}

/** The API in this process, with its own MongoClient (so faults hit it as they would hit the real one). */
export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/** Starts the API on 127.0.0.1:0 against `database`. */
export async function startApi(
  mongoUrl: string,
  database: string,
  options: { jwtSecret?: string; appName?: string } = {},
): Promise<RunningApi> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000, appName: options.appName ?? 'api' });
  await client.connect();
  const db = client.db(database);
  await ensureIndexes(db);
  const app = createApp({ db, logger: silentLogger(), jwtSecret: options.jwtSecret });
  const server = await listen(app, { host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    close: async () => {
      await server.close(1_000);
      await client.close();
    },
  };
}

/** POSTs a product; resolves with the created product (throws on any other status). */
export async function createProduct(
  apiUrl: string,
  product: { nombre: string; precio: number; talla: string },
  headers: Record<string, string> = {},
): Promise<{ id: string; nombre: string; precio: number; talla: string }> {
  const response = await fetch(`${apiUrl}/api/product/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(product),
  });
  const body = await response.text();
  if (response.status !== 201) throw new Error(`POST /api/product/ answered ${response.status}: ${body}`);
  return JSON.parse(body) as { id: string; nombre: string; precio: number; talla: string };
}

/** The relay in this process, wired exactly as relay/main.ts wires it, on a free loopback port. */
export interface RunningRelay {
  relay: Relay;
  port: number;
  http: string;
  ws: string;
  close(): Promise<void>;
}

/** Starts the relay against `database` (config overrides on top of the defaults; drain immediate). */
export async function startRelay(
  mongoUrl: string,
  database: string,
  overrides: Partial<RelayConfig> = {},
  {
    logger = silentLogger(),
    appName = 'relay',
    wrapCatchUp = (opener) => opener,
  }: { logger?: Logger; appName?: string; wrapCatchUp?: (opener: CatchUpOpener) => CatchUpOpener } = {},
): Promise<RunningRelay> {
  // Test clients all connect from 127.0.0.1: the per-address limit applies only where a test sets it.
  const config = relayConfig({ mongoUrl, mongoDb: database, drainMs: 0, maxConnectionsPerIp: relayConfig().maxConnections, ...overrides });
  // The appName lets a failCommand fail point target this relay alone on a shared MongoDB.
  const client = new MongoClient(mongoUrl, { appName });
  const collection = client.db(database).collection(config.collection);
  const relay = createRelay({
    config,
    source: createChangeFeed({ collection, logger }),
    catchUp: wrapCatchUp(createCatchUpOpener({ collection })),
    logger,
  });
  const port = await relay.listen(0, '127.0.0.1');
  // As a deployment's readiness gate does: until the change stream is open, a client without `since`
  // waits for its welcome (the relay holds it so it cannot miss a write), and tests want it at once.
  await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200);
  return {
    relay,
    port,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/`,
    close: async () => {
      await relay.close();
      await client.close();
    },
  };
}

/** Polls `url` until it answers `status` (bounded); for readiness after a fault. */
export async function waitForStatus(url: string, status: number, timeoutMs = 15_000): Promise<void> {
  const answer = () =>
    fetch(url).then(
      (response) => (void response.body?.cancel(), response.status),
      () => 0,
    );
  await vi.waitFor(
    async () => {
      const last = await answer();
      if (last !== status) throw new Error(`${url} answered ${last}, not ${status}`);
    },
    { timeout: timeoutMs, interval: 50 },
  );
}
