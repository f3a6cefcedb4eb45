import { formatScaleMedians, scaleParts } from './report-scale.js';
import { median, type RunResult, type ScenarioName } from './results.js';
import type { ApiTargetName } from './api-targets.js';
import type { TargetName } from './targets/target.js';

// Turns run results into what a reader needs: one line per run as it finishes, then medians with
// min–max, ratios against Socket.IO and percent of the coalesced ceiling, then each target of issue 6
// with PASS or FAIL, and the machine-readable summary.

const n = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';

/** A run's integrity verdict: ok, or what went wrong. */
function verdict(run: RunResult): string {
  const problems: string[] = [];
  if (run.lost > 0) problems.push(`LOST ${n(run.lost)}`);
  if (run.outOfOrder > 0) problems.push(`OUT OF ORDER ${n(run.outOfOrder)}`);
  if (run.error) problems.push(`ERROR ${run.error}`);
  return problems.length ? problems.join(' · ') : 'ok';
}

/** One line for one run. */
export function formatRun(run: RunResult): string {
  const head = `${run.scenario.padEnd(7)} #${run.repeat} ${run.target.padEnd(8)}`;
  const scale = scaleParts(run);
  if (scale) return `${head} ${scale.join(' · ')} · ${verdict(run)}`;
  const parts: string[] = [];
  if (run.api) parts.push(`${run.api.op.padEnd(10)} ${n(run.api.requestsPerSecond ?? Number.NaN).padStart(7)} requests/s`);
  if (run.idle)
    parts.push(
      run.idle
        .map((step) => `${n(step.connections)} idle: ${n(step.perConnectionKiB, 2)} KiB/conn (heap ${n(step.heapPerConnectionKiB, 2)})`)
        .join(' · '),
    );
  else if (run.throughput !== undefined)
    parts.push(`${n(run.throughput).padStart(10)} deliveries/s (${n(run.deliveries ?? 0)} in ${n(run.seconds ?? 0, 2)} s)`);
  if (run.latency) parts.push(`p50 ${n(run.latency.p50, 1)} ms p99 ${n(run.latency.p99, 1)} ms`);
  if (run.firstLatency) parts.push(`(first client p50 ${n(run.firstLatency.p50, 1)} p99 ${n(run.firstLatency.p99, 1)})`);
  if (run.latencyWithWarmUp)
    parts.push(`(with the ${n(run.latencyWithWarmUp.warmUpEvents)} warm-up events: p99 ${n(run.latencyWithWarmUp.p99, 1)} ms)`);
  if (run.slow) {
    const closed4408 = run.slow.closeCodes.filter((code) => code === 4408).length;
    const baseline = run.slow.baselineThroughput ?? Number.NaN;
    parts.push(`healthy ${n((100 * (run.throughput ?? 0)) / baseline)}% of ${n(baseline)}/s (same clients, no slow ones)`);
    if (run.slow.baselineP99Ms !== undefined) parts.push(`p99 without ${n(run.slow.baselineP99Ms, 1)} ms`);
    const cut = run.slow.slowClients - closed4408 - run.slow.stillOpen;
    parts.push(
      `slow: ${closed4408} closed 4408, ${cut} cut, ${run.slow.stillOpen} still open, after ${n(Math.min(...run.slow.slowReceived))}–${n(Math.max(...run.slow.slowReceived))} events`,
    );
    parts.push(`peak RSS ${n(run.peakRssMiB ?? Number.NaN)} MiB (${n(run.slow.baselinePeakRssMiB ?? Number.NaN)} without)`);
  } else if (run.peakRssMiB !== undefined) parts.push(`peak RSS ${n(run.peakRssMiB)} MiB`);
  if (run.cpuPercent)
    parts.push(
      `CPU target ${n(run.cpuPercent.target)}% load ${n(run.cpuPercent.load)}%${run.api?.mongoCpuPercent === undefined ? '' : ` MongoDB ${n(run.api.mongoCpuPercent)}%`}`,
    );
  // A server at ~100% of a core answers in inverse proportion to this: the figure to compare servers by.
  if (run.cpuPercent && run.api?.requests && run.seconds)
    parts.push(`${n(((run.cpuPercent.target / 100) * run.seconds * 1e6) / run.api.requests)} µs CPU per request`);
  return `${head} ${parts.join(' · ')} · ${verdict(run)}`;
}

/** Median with min and max of a metric over the successful runs of one scenario and target. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

function spread(values: number[]): Spread {
  return {
    median: median(values),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    runs: values.length,
  };
}

/** The metric of one scenario for one target, over its runs without errors. */
export function metric(
  runs: RunResult[],
  scenario: ScenarioName,
  target: TargetName | ApiTargetName,
  pick: (run: RunResult) => number | undefined,
): Spread {
  const values = runs
    .filter((run) => run.scenario === scenario && run.target === target && !run.error)
    .map(pick)
    .filter((value): value is number => value !== undefined && Number.isFinite(value));
  return spread(values);
}

const fmtSpread = (s: Spread, digits = 0, unit = '') =>
  s.runs ? `${n(s.median, digits)}${unit} (${n(s.min, digits)}–${n(s.max, digits)})` : 'n/a';

/** The medians section: per scenario and target, with ratio to Socket.IO and percent of the ceiling. */
export function formatMedians(runs: RunResult[]): string[] {
  const lines: string[] = [];
  const targetsOf = (scenario: ScenarioName) => [...new Set(runs.filter((run) => run.scenario === scenario).map((run) => run.target))];
  for (const scenario of ['burst', 'trickle'] as const) {
    const targets = targetsOf(scenario);
    if (targets.length === 0) continue;
    const socketio = metric(runs, scenario, 'socketio', (run) => run.throughput).median;
    const ceiling = metric(runs, scenario, 'ceiling', (run) => run.throughput).median;
    lines.push(`${scenario}: deliveries/s, median (min–max)`);
    for (const target of targets) {
      const throughput = metric(runs, scenario, target, (run) => run.throughput);
      const extra = [`${n(throughput.median / socketio, 1)}× Socket.IO`];
      if (Number.isFinite(ceiling)) extra.push(`${n((100 * throughput.median) / ceiling)}% of ceiling`);
      if (scenario === 'trickle') {
        extra.push(
          `p50 ${fmtSpread(
            metric(runs, scenario, target, (run) => run.latency?.p50),
            1,
            ' ms',
          )}`,
        );
        extra.push(
          `p99 ${fmtSpread(
            metric(runs, scenario, target, (run) => run.latency?.p99),
            1,
            ' ms',
          )}`,
        );
      }
      lines.push(`  ${target.padEnd(8)} ${fmtSpread(throughput).padEnd(40)} ${extra.join(' · ')}`);
    }
  }
  const idleTargets = targetsOf('idle');
  if (idleTargets.length) {
    lines.push('idle: RSS per connection, KiB, median (min–max)');
    const steps = [...new Set(runs.flatMap((run) => run.idle?.map((step) => step.connections) ?? []))].sort((a, b) => a - b);
    for (const target of idleTargets) {
      const cells = steps.map((connections) => {
        const at = metric(runs, 'idle', target, (run) => run.idle?.find((step) => step.connections === connections)?.perConnectionKiB);
        const socketio = metric(
          runs,
          'idle',
          'socketio',
          (run) => run.idle?.find((step) => step.connections === connections)?.perConnectionKiB,
        );
        return `${n(connections)}: ${fmtSpread(at, 2)} = ${n(at.median / socketio.median, 2)}× Socket.IO`;
      });
      lines.push(`  ${target.padEnd(8)} ${cells.join(' · ')}`);
    }
  }
  for (const scenario of ['slow', 'e2e'] as const) {
    const scenarioRuns = runs.filter((run) => run.scenario === scenario && !run.error);
    if (!scenarioRuns.length) continue;
    if (scenario === 'slow') {
      const percent = metric(runs, 'slow', 'relay', (run) => (100 * (run.throughput ?? 0)) / (run.slow?.baselineThroughput ?? Number.NaN));
      lines.push(`slow: healthy clients' throughput ${fmtSpread(percent, 0, '%')} of the same run without slow clients`);
    } else {
      const p50 = metric(runs, 'e2e', 'relay', (run) => run.latency?.p50);
      const p99 = metric(runs, 'e2e', 'relay', (run) => run.latency?.p99);
      lines.push(`e2e: POST → MongoDB → relay → last client: p50 ${fmtSpread(p50, 1, ' ms')} · p99 ${fmtSpread(p99, 1, ' ms')}`);
    }
  }
  return [...lines, ...formatScaleMedians(runs)];
}
