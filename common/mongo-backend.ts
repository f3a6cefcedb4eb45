import type * as MemoryServer from 'mongodb-memory-server';
import type { MongoMemoryReplSet } from 'mongodb-memory-server';
import { z } from 'zod';
import { envFlag, envMongoUrl, readEnv } from './env.js';

// Which MongoDB a run uses, decided the same way by `npm start` and by the tests, best first:
//  1. MONGO_URL: that deployment, as given;
//  2. a real mongod through mongodb-memory-server, when its binary is on this machine
//     (MONGOMS_SYSTEM_BINARY or a cached download), or when MONGOMS_DOWNLOAD asks to fetch one;
//  3. else the in-process MongoDB double (test infrastructure, in memory only).
// Nothing is ever downloaded unless asked: a newcomer without internet must not wait for a download
// that cannot succeed. What to do when an asked-for mongod cannot be had is the caller's policy
// (`npm start` falls back to the double and says so; the test run fails loudly).

type MemoryServerModule = typeof MemoryServer;

/** The replica set name every embedded backend uses. */
export const REPLICA_SET = 'rs0';

/** The variables that choose the backend. */
export interface MongoBackendChoice {
  mongoUrl?: string;
  /** MONGOMS_DOWNLOAD: mongodb-memory-server may download a mongod. */
  allowDownload: boolean;
  /** MONGOMS_SYSTEM_BINARY: the mongod to run. */
  systemBinary?: string;
}

const choiceSchema = z.object({
  MONGO_URL: envMongoUrl.optional(),
  MONGOMS_DOWNLOAD: envFlag,
  MONGOMS_SYSTEM_BINARY: z.string().optional(),
});

/** Reads the choice from the environment, the common way (blank = unset, yes/no flags). */
export function readMongoBackendChoice(env: NodeJS.ProcessEnv): MongoBackendChoice {
  const values = readEnv(choiceSchema, env, { what: 'MongoDB backend' });
  return { mongoUrl: values.MONGO_URL, allowDownload: values.MONGOMS_DOWNLOAD ?? false, systemBinary: values.MONGOMS_SYSTEM_BINARY };
}

/** What the choice comes to. `requested`: the environment asked for a real mongod. */
export type MongoBackendPlan =
  | { kind: 'external'; url: string }
  | { kind: 'mongod'; binary?: string; requested: boolean }
  | { kind: 'double'; reason: string; requested: boolean };

/** Decides the backend without starting anything (see the module comment for the order). */
export async function planMongoBackend(choice: MongoBackendChoice): Promise<MongoBackendPlan> {
  if (choice.mongoUrl) return { kind: 'external', url: choice.mongoUrl };
  const requested = choice.allowDownload || choice.systemBinary !== undefined;
  let lib: MemoryServerModule;
  try {
    lib = await import('mongodb-memory-server');
  } catch {
    return { kind: 'double', reason: 'mongodb-memory-server is not installed (production install?)', requested };
  }
  if (choice.allowDownload) return { kind: 'mongod', binary: choice.systemBinary, requested };
  let binary: string | undefined;
  try {
    const options = await lib.DryMongoBinary.generateOptions(choice.systemBinary ? { systemBinary: choice.systemBinary } : undefined);
    binary = await lib.DryMongoBinary.locateBinary(options);
  } catch (error) {
    return {
      kind: 'double',
      reason: `MONGOMS_SYSTEM_BINARY is unusable: ${error instanceof Error ? error.message : String(error)}`,
      requested,
    };
  }
  if (!binary)
    return {
      kind: 'double',
      reason: 'no mongod binary on this machine (set MONGOMS_SYSTEM_BINARY, or MONGOMS_DOWNLOAD=1 to fetch one)',
      requested,
    };
  return { kind: 'mongod', binary, requested };
}

/** How long a mongod gets to become primary when it must be downloaded first. */
export const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

/**
 * Starts a one-member replica set on a real mongod as planned; rejects (leaving nothing running) if
 * it is not primary within `timeoutMs`. `detached` puts it in its own process group, so a Ctrl-C in
 * the terminal does not stop MongoDB before the services that use it.
 */
export async function startMongod(
  plan: { binary?: string },
  { timeoutMs, detached = false, port }: { timeoutMs: number; detached?: boolean; port?: number },
): Promise<MongoMemoryReplSet> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server');
  const replSet = new MongoMemoryReplSet({
    ...(port ? { instanceOpts: [{ port }] } : {}),
    replSet: {
      count: 1,
      name: REPLICA_SET,
      ip: '127.0.0.1',
      storageEngine: 'wiredTiger',
      ...(detached ? { spawn: { detached: true } } : {}),
    },
    ...(plan.binary ? { binary: { systemBinary: plan.binary } } : {}),
  });
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
