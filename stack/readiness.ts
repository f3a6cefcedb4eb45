import type { ServiceExit } from './service-process.js';

/** Why a service never became ready. */
export class NotReadyError extends Error {
  constructor(
    message: string,
    /** Set when the service exited while the stack was waiting for it. */
    readonly exit?: ServiceExit,
  ) {
    super(message);
    this.name = 'NotReadyError';
  }
}

/**
 * Resolves once `url` answers 200; rejects with NotReadyError when the service exits first or the
 * time is up. Polling is the point here: readiness is a property of another process.
 */
export async function waitForReady(
  url: string,
  options: { timeoutMs: number; exited: Promise<ServiceExit>; intervalMs?: number },
): Promise<void> {
  const { timeoutMs, exited, intervalMs = 200 } = options;
  let exit: ServiceExit | undefined;
  void exited.then((value) => {
    exit = value;
  });
  const deadline = Date.now() + timeoutMs;
  let lastProblem: string;
  for (;;) {
    if (exit) throw new NotReadyError(`exited before ${url} answered 200`, exit);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(2_000, timeoutMs)) });
      await response.body?.cancel();
      if (response.status === 200) return;
      lastProblem = `answered ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) throw new NotReadyError(`${url} not ready after ${timeoutMs} ms (${lastProblem})`);
    await Promise.race([new Promise((resolve) => setTimeout(resolve, intervalMs)), exited]);
  }
}
