// Which MongoDB the tests run against, decided the same way everywhere: MONGO_URL (a real replica
// set) if set; else a real mongod through mongodb-memory-server when one is on this machine (or a
// download was explicitly asked for with MONGOMS_DOWNLOAD=1); else the MongoDB double. No download
// is ever attempted unless asked.
import type { MongoMemoryReplSet } from 'mongodb-memory-server';

/** The backend names printed at the start of a run and provided to tests. */
export type MongoBackendName = 'replica-set' | 'mongodb-memory-server' | 'double';

/** How a real mongod can be started without the network, or null when it cannot. */
export interface RealMongodPlan {
  /** Path of the mongod binary; undefined when a download was explicitly allowed. */
  binary?: string;
  /** True when the environment asked for a real mongod; false when a cached binary was just found. */
  requested: boolean;
}

/** Finds a usable mongod binary (MONGOMS_SYSTEM_BINARY or a cached download); null if there is none. */
export async function planRealMongod(env: NodeJS.ProcessEnv = process.env): Promise<RealMongodPlan | null> {
  if (env.MONGOMS_SYSTEM_BINARY) return { binary: env.MONGOMS_SYSTEM_BINARY, requested: true };
  if (env.MONGOMS_DOWNLOAD === '1') return { requested: true };
  try {
    const { DryMongoBinary } = await import('mongodb-memory-server');
    const binary = await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions());
    return binary ? { binary, requested: false } : null;
  } catch {
    return null;
  }
}

/** Time a real mongod gets to become primary (a download, when asked for, gets longer). */
const START_TIMEOUT_MS = 60_000;
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

/** Starts a one-member replica set with a real mongod as planned; rejects if it is not primary in time. */
export async function startRealReplSet(plan: RealMongodPlan, port?: number): Promise<MongoMemoryReplSet> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server');
  const replSet = new MongoMemoryReplSet({
    ...(port ? { instanceOpts: [{ port }] } : {}),
    replSet: { count: 1, name: 'rs0', ip: '127.0.0.1', storageEngine: 'wiredTiger' },
    ...(plan.binary ? { binary: { systemBinary: plan.binary } } : {}),
  });
  const timeoutMs = plan.binary ? START_TIMEOUT_MS : DOWNLOAD_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      replSet.start(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`mongod was not primary after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return replSet;
  } catch (error) {
    await replSet.stop({ doCleanup: true, force: true }).catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
