import type { Logger } from './logger.js';

// The one way every process of this project stops on a signal:
//  - the first SIGTERM/SIGINT/SIGHUP starts a graceful stop, bounded by a deadline;
//  - the same signal again within `repeatWindowMs` is the same request, not a second one: a Ctrl-C
//    reaches a process both from the terminal and through a wrapper that forwards it (npm, tsx);
//  - a later signal is a person insisting: exit at once, non-zero;
//  - a graceful stop that fails or misses its deadline exits 1, so a supervisor sees it.

/** Options of handleShutdownSignals. */
export interface ShutdownOptions {
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The graceful stop: stop accepting, drain, close connections. */
  stop: (reason: string) => Promise<void>;
  /** The stop as a whole must end by then, else the process exits 1. */
  deadlineMs: number;
  /** Signals closer together than this count as one (default 1 s). */
  repeatWindowMs?: number;
  signals?: NodeJS.Signals[];
  /** For tests: how the process ends (default process.exit). */
  exit?: (code: number) => void;
  /** For tests: where signals come from (default process). */
  emitter?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/** What a process can do besides waiting for a signal. */
export interface ShutdownHandle {
  /**
   * Stops as a signal would, then exits with `code` (a non-zero code when the process cannot heal:
   * its supervisor restarts it). Later calls and signals follow the second-signal rule.
   */
  shutdown(reason: string, code?: number): void;
  /** Whether a stop has begun (for /healthz and /readyz). */
  readonly stopping: boolean;
}

/** How a stop request relates to the ones before it. */
export type StopRequest = 'first' | 'repeat' | 'insist';

/**
 * The second-signal rule on its own, for processes (the stack) that stop their own way: the first
 * request is 'first', one within `repeatWindowMs` of it is a 'repeat' of it (ignore it), a later one
 * 'insist' (exit now).
 */
export function stopRequests(repeatWindowMs = 1_000, now: () => number = Date.now): () => StopRequest {
  let startedAt: number | undefined;
  return () => {
    if (startedAt === undefined) {
      startedAt = now();
      return 'first';
    }
    return now() - startedAt < repeatWindowMs ? 'repeat' : 'insist';
  };
}

/** Installs the signal handlers; call once, early in main.ts. */
export function handleShutdownSignals(options: ShutdownOptions): ShutdownHandle {
  const { logger, stop, deadlineMs, repeatWindowMs = 1_000, signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const emitter = options.emitter ?? process;
  const request = stopRequests(repeatWindowMs);
  let stopping = false;

  const shutdown = (reason: string, code = 0) => {
    const kind = request();
    if (kind === 'repeat') return;
    if (kind === 'insist') {
      logger.warn({ reason }, 'second stop request: exiting now without finishing');
      exit(code === 0 ? 1 : code);
      return;
    }
    stopping = true;
    logger.info({ reason, deadlineMs }, 'shutting down');
    const late = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown did not finish in time; exiting');
      exit(1);
    }, deadlineMs);
    late.unref();
    stop(reason).then(
      () => {
        clearTimeout(late);
        logger.info('stopped');
        exit(code);
      },
      (error: unknown) => {
        clearTimeout(late);
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };

  for (const signal of signals) emitter.on(signal, () => shutdown(signal));
  return {
    shutdown,
    get stopping() {
      return stopping;
    },
  };
}
