// A MongoDB that a fault test owns and can hurt: restart it, drop its connections, make it forget
// oplog history. The double supports all of that; a real mongod from mongodb-memory-server supports
// restart only (see `capabilities`); with MONGO_URL there is nothing the test may control, so
// startControllableMongo() returns null and the test skips (controllableMongoUnavailable() says why).
import type { Logger } from '../../common/logger.js';
import { startMongoDouble, type OpTime } from '../../mongo-double/index.js';
import { planTestBackend, startTestMongod } from './backend.js';

/** What the backend can do; a test needing more should skip with a reason. */
export interface ControlCapabilities {
  restart: boolean;
  dropConnections: boolean;
  forgetHistory: boolean;
  /** Stall without closing anything (a stopped process): the double, or a real mongod by SIGSTOP. */
  pause: boolean;
}

/** A MongoDB started for one test file. */
export interface ControllableMongo {
  url: string;
  backend: 'double' | 'mongodb-memory-server';
  capabilities: ControlCapabilities;
  /** Stop, stay down `downtimeMs`, start again on the same port with data and oplog kept. */
  restart(options?: { downtimeMs?: number }): Promise<void>;
  /** Close every client connection now (the server keeps listening). */
  dropConnections(): Promise<void>;
  /** Forget oplog entries before `before` (default: all), so resuming an older token gives code 286. */
  forgetHistory(before?: OpTime): Promise<void>;
  /** Stops answering (sockets stay open) until resume(). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Why a controllable MongoDB cannot be started in this run, or null when it can. */
export function controllableMongoUnavailable(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.MONGO_URL ? 'MONGO_URL points at a shared replica set that tests may not restart or truncate' : null;
}

/** Starts a backend the caller controls (and must stop), or null when only MONGO_URL is available. */
export async function startControllableMongo(
  options: { oplogMaxEntries?: number; logger?: Logger; port?: number } = {},
): Promise<ControllableMongo | null> {
  if (controllableMongoUnavailable()) return null;
  const plan = await planTestBackend();
  if (plan.kind === 'mongod') {
    const replSet = await startTestMongod(plan, options.port);
    const signalMongod = (signal: NodeJS.Signals) => {
      const pid = replSet.servers[0]?.instanceInfo?.instance.mongodProcess?.pid;
      if (pid !== undefined) process.kill(pid, signal);
    };
    const unsupported = (what: string) => async () => {
      throw new Error(`${what} is not supported on a real mongod (check capabilities and skip)`);
    };
    return {
      url: replSet.getUri(),
      backend: 'mongodb-memory-server',
      capabilities: { restart: true, dropConnections: false, forgetHistory: false, pause: true },
      async restart({ downtimeMs = 0 } = {}) {
        const server = replSet.servers[0]!;
        await server.stop({ doCleanup: false, force: false });
        if (downtimeMs > 0) await new Promise((resolve) => setTimeout(resolve, downtimeMs));
        await server.start(true);
      },
      dropConnections: unsupported('dropConnections'),
      forgetHistory: unsupported('forgetHistory'),
      // A stopped mongod keeps its sockets open and answers nothing: the real thing.
      pause: async () => signalMongod('SIGSTOP'),
      resume: async () => signalMongod('SIGCONT'),
      stop: async () => {
        signalMongod('SIGCONT');
        await replSet.stop();
      },
    };
  }
  const double = await startMongoDouble({ oplogMaxEntries: options.oplogMaxEntries, logger: options.logger, port: options.port });
  return {
    url: double.url,
    backend: 'double',
    capabilities: { restart: true, dropConnections: true, forgetHistory: true, pause: true },
    restart: (restartOptions) => double.restart(restartOptions),
    dropConnections: async () => double.dropConnections(),
    forgetHistory: async (before) => double.forgetHistory(before),
    pause: async () => double.pause(),
    resume: async () => double.resume(),
    stop: () => double.stop(),
  };
}
