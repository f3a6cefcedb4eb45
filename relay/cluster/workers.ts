import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../../common/logger.js';
import { isWorkerAnswer, type WorkerAnswer, type WorkerQuestion } from './worker-link.js';

// RELAY_WORKERS > 1: this process becomes a node:cluster primary that forks the workers, each a whole
// relay (its own change stream, history, catch-up streams and clients) listening on the shared port;
// the primary hands each new connection to the next worker (round-robin). Workers share no state:
// positions belong to clients, so a client may resume on any worker. The primary holds no client; it
// restarts a worker that dies, asks the workers for the whole's readiness and metrics, and on shutdown
// tells every worker to drain and waits for them.

/** How long the primary waits for a worker's answer before counting it as not answering. */
export const ASK_TIMEOUT_MS = 2_000;
/** A dead worker is replaced after this pause (a crash loop must not spin the CPU). */
const RESTART_DELAY_MS = 1_000;
/** More unexpected exits than this within CRASH_WINDOW_MS: the primary gives up and exits 1 (its supervisor restarts it). */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;

/** The primary's handle on its workers. */
export interface WorkerPool {
  /** Workers asked for. */
  readonly size: number;
  /** Workers whose processes are running now. */
  alive(): number;
  /** Asks every running worker; one entry per worker (by cluster id), `answer` null when it did not answer in time. */
  ask(
    what: WorkerQuestion['what'],
    timeoutMs?: number,
  ): Promise<{ worker: number; pid: number | undefined; answer: WorkerAnswer | null }[]>;
  /** Tells every worker to drain (each closes its clients with 1001 over RELAY_DRAIN_MS); resolves 0 when all exited cleanly, else 1. */
  stop(): Promise<number>;
  /** Kills every worker at once (a second signal). */
  kill(): void;
  /** Resolves with an exit code when the pool gives up on its own (crash loop). */
  readonly failed: Promise<number>;
}

/** Forks `count` workers running this same entry file (cluster.isWorker is true in them). */
export function startWorkers({ count, logger }: { count: number; logger: Logger }): WorkerPool {
  const log = logger.child({ component: 'workers' });
  const workers = new Set<Worker>();
  const crashes: number[] = [];
  const pending = new Map<number, (answer: WorkerAnswer) => void>();
  let nextQuestion = 1;
  let stopping = false;
  let exitCode = 0;
  let allExited: (() => void) | undefined;
  let giveUp: (code: number) => void = () => {};
  const failed = new Promise<number>((resolve) => (giveUp = resolve));

  const fork = () => {
    const worker = cluster.fork();
    workers.add(worker);
    worker.on('message', (message: unknown) => {
      if (isWorkerAnswer(message)) pending.get(message.id)?.(message);
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) {
        if (code !== 0) exitCode = 1;
        if (workers.size === 0) allExited?.();
        return;
      }
      const now = Date.now();
      crashes.push(now);
      while (crashes.length && crashes[0]! < now - CRASH_WINDOW_MS) crashes.shift();
      if (crashes.length > MAX_CRASHES) {
        log.fatal({ crashes: crashes.length, windowMs: CRASH_WINDOW_MS }, 'workers keep dying: giving up');
        return giveUp(1);
      }
      log.error({ worker: worker.id, code, signal }, 'worker died: starting another');
      setTimeout(() => stopping || fork(), RESTART_DELAY_MS).unref();
    });
  };
  for (let i = 0; i < count; i++) fork();
  log.info({ workers: count }, 'workers started');

  return {
    size: count,
    failed,
    alive: () => workers.size,
    async ask(what, timeoutMs = ASK_TIMEOUT_MS) {
      const asked = [...workers].filter((worker) => worker.isConnected());
      return Promise.all(
        asked.map(
          (worker) =>
            new Promise<{ worker: number; pid: number | undefined; answer: WorkerAnswer | null }>((resolve) => {
              const id = nextQuestion++;
              const done = (answer: WorkerAnswer | null) => {
                clearTimeout(timer);
                pending.delete(id);
                resolve({ worker: worker.id, pid: worker.process.pid, answer });
              };
              const timer = setTimeout(() => done(null), timeoutMs);
              pending.set(id, done);
              worker.send({ type: 'relay:ask', id, what } satisfies WorkerQuestion, (error: Error | null) => error && done(null));
            }),
        ),
      );
    },
    stop() {
      stopping = true;
      if (workers.size === 0) return Promise.resolve(exitCode);
      const done = new Promise<number>((resolve) => (allExited = () => resolve(exitCode)));
      // A message rather than a signal: on Ctrl-C the terminal already sent SIGINT to every worker,
      // and a second signal would make them skip their drain.
      for (const worker of workers) if (worker.isConnected()) worker.send({ type: 'relay:drain' });
      return done;
    },
    kill() {
      stopping = true;
      for (const worker of workers) worker.process.kill('SIGKILL');
    },
  };
}

/** In a worker: whether a message from the primary asks it to drain and exit. */
export function isDrainRequest(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'relay:drain';
}
