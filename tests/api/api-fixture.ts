import type { Db, MongoClient } from 'mongodb';
import { createApp, type AppDeps } from '../../api/app.js';
import { ensureIndexes } from '../../api/indexes.js';
import { silentLogger } from '../../common/logger.js';
import { connectClient, mongoUrl, testDatabaseName } from '../harness/mongo.js';

/** An API app over the harness's MongoDB, in a database of its own, with the client that serves it. */
export interface ApiFixture {
  app: ReturnType<typeof createApp>;
  client: MongoClient;
  db: Db;
  url: string;
  /** Sends a JSON request to the app (no socket) and returns the response. */
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Drops the database and closes the client. */
  close(): Promise<void>;
}

/** Builds the API over a database of its own (named from `label`: pass import.meta.url) with indexes in place. */
export async function apiFixture(label: string, options: Partial<Pick<AppDeps, 'clock' | 'jwtSecret'>> = {}): Promise<ApiFixture> {
  const url = mongoUrl();
  const client = await connectClient();
  const db = client.db(testDatabaseName(label));
  await ensureIndexes(db);
  const app = createApp({ db, logger: silentLogger(), ...options });
  return {
    app,
    client,
    db,
    url,
    async send(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        init.headers = { 'content-type': 'application/json', ...headers };
      }
      return app.request(path, init);
    },
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}

/** A clock that starts at `start` and moves 1 ms per reading, so every write has its own createdAt. */
export function steppingClock(start = Date.parse('2026-01-01T00:00:00.000Z')): () => Date {
  let now = start;
  return () => new Date(now++);
}

/** The seed's product, as its curl sends it. */
export const SEED = { nombre: 'iPhone 15', precio: 999.99, talla: 'L' } as const;
