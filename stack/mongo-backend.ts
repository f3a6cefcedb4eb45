import { startMongoDouble } from '../mongo-double/index.js';
import type { StackConfig } from './config.js';

// Which MongoDB the embedded stack runs against, best first: the user's MONGO_URL; a real mongod
// through mongodb-memory-server, but only if its binary is already on this machine (a newcomer
// without internet must not wait for a download that cannot succeed); else the in-process double.

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

const REPL_SET = 'rs0';
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

/** Picks and starts the backend (see the module comment for the order). */
export async function selectMongoBackend(config: StackConfig, say: Say): Promise<MongoBackend> {
  if (config.mongoUrl) {
    say(`using ${redact(config.mongoUrl)} (MONGO_URL)`);
    return { kind: 'external', url: config.mongoUrl, description: `${redact(config.mongoUrl)} (MONGO_URL)`, stop: async () => {} };
  }
  const mongod = await tryMemoryReplSet(config, say);
  if (mongod) return mongod;
  return startDouble(say);
}

async function tryMemoryReplSet(config: StackConfig, say: Say): Promise<MongoBackend | undefined> {
  let lib: typeof import('mongodb-memory-server');
  try {
    lib = await import('mongodb-memory-server');
  } catch {
    say('mongodb-memory-server is not installed (production install?); skipping a real mongod');
    return undefined;
  }
  if (!config.allowDownload) {
    let binary: string | undefined;
    try {
      binary = await lib.DryMongoBinary.locateBinary(await lib.DryMongoBinary.generateOptions());
    } catch (error) {
      say(`MONGOMS_SYSTEM_BINARY is unusable: ${message(error)}`, 'warn');
      return undefined;
    }
    if (!binary) {
      say('no mongod binary on this machine (set MONGOMS_SYSTEM_BINARY, or MONGOMS_DOWNLOAD=1 to fetch one)');
      return undefined;
    }
    say(`starting a real mongod from ${binary}`);
  } else {
    say('starting a real mongod (MONGOMS_DOWNLOAD=1: downloading it first if it is not cached)');
  }

  // Its own process group: a Ctrl-C in the terminal must not stop MongoDB before the services.
  const replSet = new lib.MongoMemoryReplSet({
    replSet: { count: 1, name: REPL_SET, storageEngine: 'wiredTiger', spawn: { detached: true } },
  });
  const timeoutMs = config.allowDownload ? DOWNLOAD_TIMEOUT_MS : config.mongodTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      replSet.start(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no primary after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    say(`the real mongod did not come up: ${message(error)}`, 'warn');
    await replSet.stop({ doCleanup: true, force: true }).catch(() => undefined);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
  const url = replSet.getUri();
  return {
    kind: 'mongod',
    url,
    description: `${url} (mongod via mongodb-memory-server, data discarded on exit)`,
    stop: async () => {
      await replSet.stop({ doCleanup: true });
    },
  };
}

async function startDouble(say: Say): Promise<MongoBackend> {
  const double = await startMongoDouble({ port: 0, host: '127.0.0.1', replSetName: REPL_SET });
  say('⚠ using the in-process MongoDB DOUBLE: a test stand-in, data in memory only, lost on exit.', 'warn');
  say('  For a real database set MONGO_URL, or MONGOMS_SYSTEM_BINARY=/path/to/mongod.', 'warn');
  return {
    kind: 'double',
    url: double.url,
    description: `${double.url} (MongoDB double: test stand-in, in memory only)`,
    stop: () => double.stop(),
  };
}

/** Hides a password in a connection string before it is printed. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
