import { MongoClient } from 'mongodb';
import { Child } from './children.js';
import { nowMs } from './clock.js';
import type { ServiceInfo, ServiceOps } from './e2e-process.js';

// MongoDB for the scale scenarios: MONGO_URL when set (a real replica set; the run's database is
// dropped afterwards), else the MongoDB double in its own process. The coordinator writes the
// products itself, named bench-<seq> so that every load client can check count and order.

/** A MongoDB to write bench products into. */
export interface BenchMongo {
  url: string;
  database: string;
  /** The double's process (for its CPU), when the double is used. */
  double?: Child<ServiceOps>;
  /** Inserts products `from`..`from+count-1` (w: majority), `batch` per insertMany; resolves the time each batch was sent. */
  insert(from: number, count: number, batch?: number): Promise<number[]>;
  close(): Promise<void>;
}

/** Which MongoDB the scale scenarios use, for the header. */
export function describeBackend(env: NodeJS.ProcessEnv = process.env): string {
  return env.MONGO_URL ? 'MONGO_URL (real replica set)' : 'MongoDB double (in-memory wire-protocol stand-in)';
}

/** Starts (or connects to) MongoDB for one run with a database of its own. */
export async function startBenchMongo(database: string): Promise<BenchMongo> {
  let double: Child<ServiceOps> | undefined;
  let url = process.env.MONGO_URL ?? '';
  if (!url) {
    const started = await Child.start<ServiceOps, ServiceInfo>('./e2e-process.ts', ['mongo', '', database], { name: 'mongo double' });
    double = started.child;
    url = started.info.url;
  }
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000, appName: 'bench-writer' });
  await client.connect();
  const products = client.db(database).collection('products');
  const stamp = new Date('2026-01-01T00:00:00.000Z');
  return {
    url,
    database,
    ...(double ? { double } : {}),
    async insert(from, count, batch = 1) {
      const sentAt: number[] = [];
      for (let at = from; at < from + count; at += batch) {
        const docs = [];
        for (let seq = at; seq < Math.min(from + count, at + batch); seq++)
          docs.push({ nombre: `bench-${seq}`, precio: 999.99, talla: 'L', createdAt: stamp, updatedAt: stamp });
        sentAt.push(nowMs());
        await products.insertMany(docs, { ordered: true, writeConcern: { w: 'majority' } });
      }
      return sentAt;
    },
    async close() {
      if (process.env.MONGO_URL)
        await client
          .db(database)
          .dropDatabase()
          .catch(() => undefined);
      await client.close().catch(() => undefined);
      await double?.kill();
    },
  };
}
