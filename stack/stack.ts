import { mintToken } from '../common/tokens.js';
import { bannerLines } from './banner.js';
import type { StackConfig } from './config.js';
import type { LinePrinter } from './log-prefix.js';
import { selectMongoBackend, type MongoBackend } from './mongo-backend.js';
import { assertPortFree } from './port-check.js';
import { NotReadyError, waitForReady } from './readiness.js';
import { describeExit, startService, type ServiceProcess, type ServiceSpec } from './service-process.js';

// The embedded stack: MongoDB, then api, relay and consumer, each started only once the one before
// answers, and stopped in the opposite order. A service that dies on its own takes the stack down
// with a non-zero exit: a half-running system is worse than a clear failure.

/** What the stack needs: its configuration, where to print, where the project is, the base env. */
export interface StackDeps {
  config: StackConfig;
  printer: LinePrinter;
  /** Project root: the services' working directory. */
  root: string;
  /** Environment the services inherit (they read their own variables from it). */
  env: NodeJS.ProcessEnv;
  selectBackend?: typeof selectMongoBackend;
}

/** A stack: run() once; stop() and kill() from signal handlers. */
export interface Stack {
  /** Starts everything, then waits; resolves with the exit code once all of it has stopped. */
  run(): Promise<number>;
  /** Asks for a clean stop; safe to call more than once. */
  stop(): void;
  /** Kills every service at once: a second Ctrl-C, or the stack process itself ending. */
  kill(): void;
}

/** Longest wait for one service's own graceful shutdown before it is killed. */
const STOP_GRACE_MS = 15_000;
/** How long the token minted for the stack's consumer lasts (7 days). */
const CONSUMER_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
/** A consumer that is not connected by then is reported, not waited for. */
const CONSUMER_CONNECT_MS = 15_000;

/** Creates the stack; nothing starts before run(). */
export function createStack({ config, printer, root, env, selectBackend = selectMongoBackend }: StackDeps): Stack {
  const services: ServiceProcess[] = [];
  let stopping = false;
  let failed = false;
  let requestStop: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const say = (text: string, level: 'info' | 'warn' = 'info') => printer.line('stack', text, level === 'warn' ? 'err' : 'out');

  const stop = () => {
    stopping = true;
    requestStop();
  };

  const childEnv = (backend: MongoBackend): NodeJS.ProcessEnv => ({
    ...env,
    MONGO_URL: backend.url,
    MONGO_DB: config.mongoDb,
    API_PORT: String(config.apiPort),
    RELAY_PORT: String(config.relayPort),
    // A local development stack listens on loopback unless told otherwise.
    API_HOST: env.API_HOST ?? '127.0.0.1',
    RELAY_HOST: env.RELAY_HOST ?? '127.0.0.1',
    // Services print JSON lines into a pipe; a person at a terminal gets pino-pretty instead.
    LOG_PRETTY: env.LOG_PRETTY ?? (config.color ? '1' : undefined),
  });

  const launch = (spec: Omit<ServiceSpec, 'cwd' | 'watch'>): ServiceProcess => {
    const service = startService({ ...spec, cwd: root, watch: config.watch, compiled: config.compiled }, printer);
    services.push(service);
    say(`${spec.name} started (pid ${service.pid})`);
    void service.exited.then((exit) => {
      if (stopping) return;
      say(`${spec.name} exited unexpectedly (${describeExit(exit)}); stopping everything`, 'warn');
      failed = true;
      stop();
    });
    return service;
  };

  /** Waits for `ready`, unless a stop is asked for first; false when the stack should not go on. */
  const awaitReady = async (name: string, ready: Promise<unknown>): Promise<boolean> => {
    try {
      await Promise.race([ready, stopRequested]);
      return !stopping;
    } catch (error) {
      if (!stopping) {
        const detail = error instanceof NotReadyError && error.exit ? describeExit(error.exit) : (error as Error).message;
        say(`${name} did not become ready: ${detail}`, 'warn');
        failed = true;
        stop();
      }
      return false;
    }
  };

  const startServices = async (backend: MongoBackend): Promise<boolean> => {
    const serviceEnv = childEnv(backend);
    const http = (port: number) => `http://127.0.0.1:${port}/readyz`;
    const api = launch({ name: 'api', entry: 'api/main.ts', env: serviceEnv });
    if (!(await awaitReady('api', waitForReady(http(config.apiPort), { timeoutMs: config.readyTimeoutMs, exited: api.exited }))))
      return false;
    const relay = launch({ name: 'relay', entry: 'relay/main.ts', env: serviceEnv });
    if (!(await awaitReady('relay', waitForReady(http(config.relayPort), { timeoutMs: config.readyTimeoutMs, exited: relay.exited }))))
      return false;
    // A relay that needs tokens gets one for the stack's own consumer, in its environment (not its
    // command line, which any local user can read); it lasts as long as a development session could.
    const token = config.relayToken
      ? await mintToken({ ...config.relayToken, ttlSeconds: CONSUMER_TOKEN_TTL_SECONDS, subject: 'npm-start-consumer' })
      : undefined;
    const consumer = launch({
      name: 'consumer',
      entry: 'consumer/main.ts',
      args: ['--url', `ws://127.0.0.1:${config.relayPort}`],
      env: token ? { ...serviceEnv, RELAY_TOKEN: token } : serviceEnv,
    });
    // The consumer says "connected to ..." once the relay welcomed it; events before that would be missed.
    const connected = consumer.nextLine(/connected to wss?:\/\//);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, CONSUMER_CONNECT_MS, 'timeout').unref());
    const outcome = await Promise.race([connected, timeout, stopRequested]);
    if (outcome === 'timeout') say(`consumer not connected after ${CONSUMER_CONNECT_MS} ms; see its lines for why`, 'warn');
    return !stopping;
  };

  const shutdown = async (backend: MongoBackend | undefined): Promise<boolean> => {
    let clean = true;
    for (const service of [...services].reverse()) {
      const { exit, forced } = await service.stop(STOP_GRACE_MS);
      if (forced) {
        clean = false;
        say(`${service.name} had to be killed (${describeExit(exit)})`, 'warn');
      }
    }
    if (backend) {
      try {
        await backend.stop();
      } catch (error) {
        clean = false;
        say(`MongoDB did not stop cleanly: ${(error as Error).message}`, 'warn');
      }
    }
    return clean;
  };

  return {
    async run() {
      let backend: MongoBackend | undefined;
      try {
        await assertPortFree(config.apiPort, 'API_PORT');
        await assertPortFree(config.relayPort, 'RELAY_PORT');
        backend = await selectBackend(config, (text, level) => printer.line('mongo', text, level === 'warn' ? 'err' : 'out'));
        if (!stopping && (await startServices(backend))) {
          for (const line of bannerLines({
            apiPort: config.apiPort,
            relayPort: config.relayPort,
            mongo: backend.description,
            watch: config.watch,
          })) {
            say(line);
          }
        }
      } catch (error) {
        say((error as Error).message, 'warn');
        failed = true;
        stop();
      }
      await stopRequested;
      say('stopping: consumer, relay, api, then MongoDB');
      const clean = await shutdown(backend);
      say(failed ? 'stopped after a failure' : 'stopped');
      return failed || !clean ? 1 : 0;
    },
    stop,
    kill() {
      for (const service of services) service.kill();
    },
  };
}
