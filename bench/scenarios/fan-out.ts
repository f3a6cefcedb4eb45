import { latencyOf, type RunResult, type ScenarioName } from '../results.js';
import type { Session } from '../session.js';
import type { TargetName } from '../targets/target.js';

// Burst, trickle and slow consumers share one shape: connect the clients, let the target's process push
// the events, collect what every client received. Only the pacing, the latency bookkeeping and the
// slow clients differ.

/** One fan-out run's shape. */
export interface FanOutPlan {
  scenario: ScenarioName;
  clients: number;
  /** Clients that stop reading once connected (counted in `clients`). */
  slow: number;
  events: number;
  /** Burst: events per batch. */
  batch: number;
  /** Trickle: events per second (0 = burst). */
  rate: number;
  /**
   * Leading events (counted in `events`) left out of the latency percentiles, though still checked for
   * loss and order. Fresh loopback connections write slower for their first few hundred milliseconds
   * (every target alike), which is not what a long-lived client sees.
   */
  warmUpEvents?: number;
  /** The relay's unsent-bytes bound for this run (default: the relay's own). */
  maxBufferedBytes?: number;
}

const MiB = 1024 * 1024;
/** How long slow clients keep not reading after the last event was sent. */
const SLOW_HOLD_MS = 3_000;

/** Latency of each event from `fromSeq` on that arrived: receipt minus entry time. */
function latencySince(pushTimes: number[], receipts: number[], fromSeq = 0) {
  return latencyOf(pushTimes.flatMap((pushedAt, seq) => (seq >= fromSeq && receipts[seq] ? [receipts[seq]! - pushedAt] : [])));
}

/** Runs one fan-out plan against a fresh `target` process. */
export async function runFanOut(session: Session, target: TargetName, repeat: number, plan: FanOutPlan): Promise<RunResult> {
  const base: RunResult = { scenario: plan.scenario, target, repeat, lost: 0, outOfOrder: 0 };
  const run = session.nextRun();
  const deliveries = (plan.clients - plan.slow) * plan.events;
  // Generous bound: even 20,000 deliveries/s finishes well inside it; a hung target cannot hang the bench.
  const timeoutMs = 20_000 + deliveries / 20;
  return session
    .withTarget(target, { maxClients: plan.clients, maxBufferedBytes: plan.maxBufferedBytes }, async (running) => {
      await session.connect(running, { clients: plan.clients, slow: plan.slow, expected: plan.events, receipts: plan.rate > 0 });
      await running.child.call('resetPeak', null);
      const cpuBefore = await Promise.all([running.child.call('cpu', null), session.load.call('cpu', null)]);
      const push =
        plan.rate > 0
          ? await running.child.call('trickle', { count: plan.events, rate: plan.rate, run }, timeoutMs)
          : await running.child.call('burst', { count: plan.events, batch: plan.batch, run }, timeoutMs);
      const got = await session.load.call('collect', { timeoutMs }, timeoutMs + 5_000);
      const cpuAfter = await Promise.all([running.child.call('cpu', null), session.load.call('cpu', null)]);
      // Slow clients stay unread a while after the stream ends: a target may give a full socket some time
      // to drain before it calls the client slow (the relay: half a second without progress).
      const slowReport =
        plan.slow > 0 ? await session.load.call('resumeSlow', { holdMs: SLOW_HOLD_MS, timeoutMs: 15_000 }, 25_000) : undefined;
      const memory = await running.child.call('memory', { gc: false });
      const seconds = (got.lastReceipt - push.startedAt) / 1000;
      const result: RunResult = {
        ...base,
        throughput: got.received / seconds,
        deliveries: got.received,
        seconds,
        lost: got.lost,
        outOfOrder: got.outOfOrder + (slowReport?.outOfOrder ?? 0),
        peakRssMiB: memory.peakRss / MiB,
        cpuPercent: { target: (cpuAfter[0] - cpuBefore[0]) / seconds / 10, load: (cpuAfter[1] - cpuBefore[1]) / seconds / 10 },
      };
      if (got.error && got.lost > 0) result.error = got.error;
      if (got.stalled) result.error = `nothing arrived for 10 s with ${got.lost} events still missing`;
      if (got.closedEarly > 0) result.error = `${got.closedEarly} healthy clients were closed before receiving everything`;
      if (push.pushTimes && got.receipts && got.firstReceipts) {
        const warmUp = plan.warmUpEvents ?? 0;
        result.latency = latencySince(push.pushTimes, got.receipts, warmUp);
        result.firstLatency = latencySince(push.pushTimes, got.firstReceipts, warmUp);
        if (warmUp > 0) result.latencyWithWarmUp = { ...latencySince(push.pushTimes, got.receipts), warmUpEvents: warmUp };
      }
      if (slowReport)
        result.slow = {
          slowClients: plan.slow,
          closeCodes: slowReport.closeCodes,
          stillOpen: slowReport.stillOpen,
          slowReceived: slowReport.received,
        };
      return result;
    })
    .catch((error: unknown) => ({ ...base, error: error instanceof Error ? error.message : String(error) }));
}
