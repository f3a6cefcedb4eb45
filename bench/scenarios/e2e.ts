import { MongoClient } from 'mongodb';
import { Child } from '../children.js';
import { nowMs } from '../clock.js';
import type { ServiceInfo, ServiceOps } from '../e2e-process.js';
import { latencyOf, type RunResult } from '../results.js';
import type { Session } from '../session.js';

// End to end, as a user sees it: POST /api/product/ → MongoDB (majority write) → change stream →
// relay → every client. MongoDB is MONGO_URL when set (a real replica set), else the double in its own
// process; api and relay each run in their own process. Latency runs from just before the POST is sent
// to the last client receiving the product's event, on the machine's shared monotonic clock.

/** Size and pace of the end-to-end run. */
export interface E2ePlan {
  clients: number;
  posts: number;
  /** POSTs per second. */
  rate: number;
}

/** Which MongoDB the end-to-end scenario uses. */
export function e2eBackend(env: NodeJS.ProcessEnv = process.env): string {
  return env.MONGO_URL ? 'MONGO_URL (real replica set)' : 'MongoDB double (in-memory wire-protocol stand-in)';
}

/** Runs one end-to-end measurement; the services are killed and the database dropped afterwards. */
export async function runE2e(session: Session, repeat: number, plan: E2ePlan): Promise<RunResult> {
  const base: RunResult = { scenario: 'e2e', target: 'relay', repeat, lost: 0, outOfOrder: 0 };
  const services: Child<ServiceOps>[] = [];
  const start = async (role: string, mongoUrl: string, database: string) => {
    const { child, info } = await Child.start<ServiceOps, ServiceInfo>('./e2e-process.ts', [role, mongoUrl, database], {
      name: `e2e ${role}`,
    });
    services.push(child);
    return info;
  };
  const database = `bench_e2e_${process.pid}_${session.nextRun()}`;
  let mongoUrl = process.env.MONGO_URL ?? '';
  try {
    if (!mongoUrl) mongoUrl = (await start('mongo', '', database)).url;
    const api = await start('api', mongoUrl, database);
    const relay = await start('relay', mongoUrl, database);
    await session.load.call(
      'connect',
      {
        port: relay.port,
        path: '/',
        dialect: 'relay',
        clients: plan.clients,
        slow: 0,
        expected: plan.posts,
        receipts: true,
        concurrency: 200,
        timeoutMs: 30_000,
      },
      35_000,
    );
    const sentAt = await post(api.url, plan);
    const got = await session.load.call('collect', { timeoutMs: 30_000 }, 35_000);
    const samples = sentAt.flatMap((sent, seq) => (got.receipts?.[seq] ? [got.receipts[seq]! - sent] : []));
    const seconds = (got.lastReceipt - sentAt[0]!) / 1000;
    return {
      ...base,
      deliveries: got.received,
      seconds,
      throughput: got.received / seconds,
      lost: got.lost,
      outOfOrder: got.outOfOrder,
      latency: latencyOf(samples),
      ...(got.error && got.lost > 0 ? { error: got.error } : {}),
    };
  } catch (error) {
    return { ...base, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await session.load.call('disconnect', null, 15_000).catch(() => undefined);
    await dropDatabase(mongoUrl, database);
    for (const service of services.reverse()) await service.kill();
  }
}

/**
 * POSTs `posts` products at up to `rate`/s, one at a time: each waits for the previous answer, so the
 * order of the inserts (and of the events) is the order of `seq`, which the clients check. Returns
 * when each was sent.
 */
async function post(apiUrl: string, plan: E2ePlan): Promise<number[]> {
  const sentAt: number[] = [];
  const startedAt = nowMs();
  for (let seq = 0; seq < plan.posts; seq++) {
    const wait = startedAt + (seq * 1000) / plan.rate - nowMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sentAt.push(nowMs());
    const response = await fetch(`${apiUrl}/api/product/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nombre: `bench-${seq}`, precio: 10 + (seq % 100), talla: 'M' }),
    });
    const body = await response.text();
    if (response.status !== 201) throw new Error(`POST ${seq} answered ${response.status}: ${body.slice(0, 200)}`);
  }
  return sentAt;
}

/** Leaves a real MONGO_URL as it was found (the double dies with its process anyway). */
async function dropDatabase(mongoUrl: string, database: string): Promise<void> {
  if (!process.env.MONGO_URL || !mongoUrl) return;
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    await client.db(database).dropDatabase();
  } catch {
    // Best effort: a leftover bench_e2e_* database is harmless.
  } finally {
    await client.close().catch(() => undefined);
  }
}
