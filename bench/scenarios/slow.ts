import { readFileSync } from 'node:fs';
import { benchEvent } from '../events.js';
import type { RunResult } from '../results.js';
import type { Session } from '../session.js';
import { runFanOut, type FanOutPlan } from './fan-out.js';

// Slow consumers: some clients stop reading while a steady stream flows. The kernel absorbs a lot
// before the relay sees any unsent bytes (on Linux a TCP send buffer autotunes up to tcp_wmem's
// maximum, 4 MiB by default, and the receiver queues its default receive buffer), so each slow client
// must be sent more than that plus the relay's bound before the bound can matter. The run is compared
// with the same run without slow clients: healthy clients' throughput and p99 latency, peak RSS.
// A steady stream rather than a burst: the volume needed is larger than the relay's history, and in a
// burst that size a healthy reader can fall out of the history too, a different question.

/** The relay's default bound on a client's unsent bytes (RELAY_MAX_BUFFERED_BYTES). */
export const DEFAULT_MAX_BUFFERED = 1024 * 1024;

/** Events needed so that a client that never reads passes the relay's bound, with a 25% margin. */
export function eventsToOverflow(maxBufferedBytes: number): number {
  const kernel = sysctl('/proc/sys/net/ipv4/tcp_wmem', 2, 4 * 1024 * 1024) + sysctl('/proc/sys/net/ipv4/tcp_rmem', 1, 128 * 1024);
  const eventBytes = JSON.stringify(benchEvent(999_999, 1)).length + 4;
  return Math.ceil(((kernel + maxBufferedBytes) * 1.25) / eventBytes);
}

/** One field of a min/default/max sysctl triple; `fallback` where there is no /proc (macOS). */
function sysctl(path: string, field: number, fallback: number): number {
  try {
    const value = Number(readFileSync(path, 'utf8').trim().split(/\s+/)[field]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

/** Runs the plan without, then with, its slow clients against fresh relay processes. */
export async function runSlow(session: Session, repeat: number, plan: FanOutPlan): Promise<RunResult> {
  const baseline = await runFanOut(session, 'relay', repeat, { ...plan, slow: 0 });
  const result = await runFanOut(session, 'relay', repeat, plan);
  if (baseline.error && !result.error) result.error = `baseline: ${baseline.error}`;
  result.lost += baseline.lost;
  result.outOfOrder += baseline.outOfOrder;
  if (result.slow) {
    // Per healthy client: the baseline has `slow` more clients reading, so its total is scaled down.
    result.slow.baselineThroughput =
      baseline.throughput === undefined ? undefined : (baseline.throughput * (plan.clients - plan.slow)) / plan.clients;
    result.slow.baselinePeakRssMiB = baseline.peakRssMiB;
    result.slow.baselineP99Ms = baseline.latency?.p99;
    result.slow.maxBufferedBytes = plan.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  }
  return result;
}
