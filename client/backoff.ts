// Reconnect pacing: exponential backoff with full jitter (a uniformly random delay between zero and
// the exponential ceiling), so clients dropped together by a relay restart do not come back together.

/** How reconnect delays grow. */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay is ever longer than this. */
  capMs: number;
  /** Source of randomness in [0, 1); injectable so tests can pin it. */
  random?: () => number;
}

/** The delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, { baseMs, capMs, random = Math.random }: BackoffOptions): number {
  // 2 ** attempt overflows to Infinity long after the cap is reached; min() keeps it finite.
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 52));
  return Math.floor(random() * ceiling);
}
