import type { RunResult } from '../results.js';
import type { Session } from '../session.js';

/** End to end: POST through the API → MongoDB → relay → clients. */
export async function runE2e(_session: Session, repeat: number, _plan: { clients: number; posts: number; rate: number }): Promise<RunResult> {
  return { scenario: 'e2e', target: 'relay', repeat, lost: 0, outOfOrder: 0, error: 'not available yet' };
}
