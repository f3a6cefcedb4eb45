// Which MongoDB the tests run against: the same choice as `npm start` (common/mongo-backend.ts). The
// tests' own policy: a real mongod that the environment asked for and that cannot be had fails the
// run loudly instead of quietly testing the double.
import type { MongoMemoryReplSet } from 'mongodb-memory-server';
import {
  DOWNLOAD_TIMEOUT_MS,
  planMongoBackend,
  readMongoBackendChoice,
  startMongod,
  type MongoBackendPlan,
} from '../../common/mongo-backend.js';

/** The backend names printed at the start of a run and provided to tests. */
export type MongoBackendName = 'replica-set' | 'mongodb-memory-server' | 'double';

/** Time a real mongod gets to become primary (a download, when asked for, gets longer). */
const START_TIMEOUT_MS = 60_000;

/** Plans the tests' backend from the environment; throws when an asked-for mongod cannot be had. */
export async function planTestBackend(env: NodeJS.ProcessEnv = process.env): Promise<MongoBackendPlan> {
  const plan = await planMongoBackend(readMongoBackendChoice(env));
  if (plan.kind === 'double' && plan.requested) throw new Error(`[tests] a real mongod was asked for but cannot be had: ${plan.reason}`);
  return plan;
}

/** Starts a one-member replica set with a real mongod as planned; rejects if it is not primary in time. */
export function startTestMongod(plan: { binary?: string }, port?: number): Promise<MongoMemoryReplSet> {
  return startMongod(plan, { timeoutMs: plan.binary ? START_TIMEOUT_MS : DOWNLOAD_TIMEOUT_MS, ...(port ? { port } : {}) });
}
