import { MongoClient, type Db } from 'mongodb';
import { silentLogger } from '../../common/logger.js';
import { createApp } from '../../api/app.js';
import { ensureIndexes } from '../../api/indexes.js';
import { listen } from '../../api/server.js';

// The parts of the running system the end-to-end and fault tests start in-process: a database of
// their own on the harness's MongoDB, and the API listening on a free loopback port.

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
export async function startApi(mongoUrl: string, database: string, options: { jwtSecret?: string } = {}): Promise<RunningApi> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000, appName: 'api' });
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
export async function createProduct(apiUrl: string, product: { nombre: string; precio: number; talla: string }, headers: Record<string, string> = {}): Promise<{ id: string; nombre: string; precio: number; talla: string }> {
  const response = await fetch(`${apiUrl}/api/product/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(product),
  });
  const body = await response.text();
  if (response.status !== 201) throw new Error(`POST /api/product/ answered ${response.status}: ${body}`);
  return JSON.parse(body) as { id: string; nombre: string; precio: number; talla: string };
}
