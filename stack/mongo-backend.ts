import { DOWNLOAD_TIMEOUT_MS, planMongoBackend, REPLICA_SET, startMongod, type MongoBackendPlan } from '../common/mongo-backend.js';
import { startMongoDouble } from '../mongo-double/index.js';
import type { StackConfig } from './config.js';
import { redactUrlCredentials } from '../common/redact.js';

// The MongoDB the embedded stack runs against: the choice shared with the tests (common/mongo-backend.ts).
// The stack's own policy: whatever cannot be had falls back to the double, saying why.

/** The MongoDB the services talk to, and how to let it go. */
export interface MongoBackend {
  kind: 'external' | 'mongod' | 'double';
  url: string;
  /** One line for the banner. */
  description: string;
  /** Stops what the stack started; an external MongoDB is left alone. */
  stop(): Promise<void>;
}

/** Says something about the choice to the person running the stack. */
export type Say = (text: string, level?: 'info' | 'warn') => void;

/** Picks and starts the backend. */
export async function selectMongoBackend(config: StackConfig, say: Say): Promise<MongoBackend> {
  const plan = await planMongoBackend({
    mongoUrl: config.mongoUrl,
    allowDownload: config.allowDownload,
    systemBinary: config.systemBinary,
  });
  if (plan.kind === 'external') {
    say(`using ${redactUrlCredentials(plan.url)} (MONGO_URL)`);
    return { kind: 'external', url: plan.url, description: `${redactUrlCredentials(plan.url)} (MONGO_URL)`, stop: async () => {} };
  }
  if (plan.kind === 'double') {
    say(plan.reason, plan.requested ? 'warn' : 'info');
    return startDouble(say);
  }
  return (await tryMongod(plan, config, say)) ?? startDouble(say);
}

async function tryMongod(
  plan: Extract<MongoBackendPlan, { kind: 'mongod' }>,
  config: StackConfig,
  say: Say,
): Promise<MongoBackend | undefined> {
  say(
    plan.binary
      ? `starting a real mongod from ${plan.binary}`
      : 'starting a real mongod (MONGOMS_DOWNLOAD=1: downloading it first if it is not cached)',
  );
  try {
    const replSet = await startMongod(plan, { timeoutMs: plan.binary ? config.mongodTimeoutMs : DOWNLOAD_TIMEOUT_MS, detached: true });
    const url = replSet.getUri();
    return {
      kind: 'mongod',
      url,
      description: `${url} (mongod via mongodb-memory-server, data discarded on exit)`,
      stop: async () => {
        await replSet.stop({ doCleanup: true });
      },
    };
  } catch (error) {
    say(`the real mongod did not come up: ${error instanceof Error ? error.message : String(error)}`, 'warn');
    return undefined;
  }
}

async function startDouble(say: Say): Promise<MongoBackend> {
  const double = await startMongoDouble({ port: 0, host: '127.0.0.1', replSetName: REPLICA_SET });
  say('⚠ using the in-process MongoDB DOUBLE: a test stand-in, data in memory only, lost on exit.', 'warn');
  say('  For a real database set MONGO_URL, or MONGOMS_SYSTEM_BINARY=/path/to/mongod.', 'warn');
  return {
    kind: 'double',
    url: double.url,
    description: `${double.url} (MongoDB double: test stand-in, in memory only)`,
    stop: () => double.stop(),
  };
}
