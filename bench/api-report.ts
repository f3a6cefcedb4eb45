import { API_OPS, type ApiOp, type ApiTargetName } from './api-targets.js';
import { median, type RunResult } from './results.js';
import { metric, type Spread } from './report.js';

// The api scenario's medians and ratios. A ratio is taken within each repeat (the two targets ran back
// to back on the same machine) and its median over the repeats is reported: on a shared machine that
// is steadier than a ratio of medians taken minutes apart.

const n = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
const fmtSpread = (s: Spread, digits = 0, unit = '') =>
  s.runs ? `${n(s.median, digits)}${unit} (${n(s.min, digits)}–${n(s.max, digits)})` : 'n/a';

const OP_LABELS: Record<ApiOp, string> = {
  create: 'POST /api/product/',
  createOnce: 'POST /api/product/ with Idempotency-Key',
  get: 'GET /api/product/:id',
  list: 'GET /api/product/?limit=20 (snapshot read + position)',
};
const PEER_LABELS: Partial<Record<ApiTargetName, string>> = { hono: 'Hono floor', http: 'node:http', express: 'Express' };

/** Requests/s (or a latency percentile) of one target for one operation, over its completed runs. */
export function apiMetric(runs: RunResult[], target: ApiTargetName, op: ApiOp, pick: 'rps' | 'p50' | 'p99' = 'rps'): Spread {
  return metric(runs, 'api', target, (run) => {
    if (run.api?.op !== op) return undefined;
    return pick === 'rps' ? run.api.requestsPerSecond : run.latency?.[pick];
  });
}

/** target's requests/s over peer's, per repeat in which both completed: median, min and max. */
export function apiRatio(runs: RunResult[], target: ApiTargetName, peer: ApiTargetName, op: ApiOp): Spread {
  const of = (name: ApiTargetName, repeat: number) =>
    runs.find((run) => run.scenario === 'api' && run.target === name && run.repeat === repeat && run.api?.op === op && !run.error)?.api
      ?.requestsPerSecond;
  const ratios: number[] = [];
  for (const repeat of new Set(runs.filter((run) => run.scenario === 'api').map((run) => run.repeat))) {
    const mine = of(target, repeat);
    const theirs = of(peer, repeat);
    if (mine !== undefined && theirs) ratios.push(mine / theirs);
  }
  return {
    median: median(ratios),
    min: ratios.length ? Math.min(...ratios) : Number.NaN,
    max: ratios.length ? Math.max(...ratios) : Number.NaN,
    runs: ratios.length,
  };
}

/** The api section of the medians: per operation, each target's requests/s, p50, p99, and the API's ratios. */
export function formatApiMedians(runs: RunResult[]): string[] {
  const apiRuns = runs.filter((run) => run.scenario === 'api');
  if (!apiRuns.length) return [];
  const targets = [...new Set(apiRuns.map((run) => run.target as ApiTargetName))];
  const lines = ['api: requests/s, median (min–max) · p50 · p99 (ms) · the API vs each peer, per repeat'];
  for (const op of API_OPS) {
    if (!apiRuns.some((run) => run.api?.op === op)) continue;
    lines.push(`  ${OP_LABELS[op]}`);
    for (const target of targets) {
      const cells = [
        fmtSpread(apiMetric(runs, target, op)).padEnd(26),
        `p50 ${fmtSpread(apiMetric(runs, target, op, 'p50'), 1)}`.padEnd(22),
        `p99 ${fmtSpread(apiMetric(runs, target, op, 'p99'), 1)}`.padEnd(22),
      ];
      if (target === 'api' || target === 'api-single') {
        for (const [peer, label] of Object.entries(PEER_LABELS) as [ApiTargetName, string][]) {
          if (targets.includes(peer)) cells.push(`${fmtSpread(apiRatio(runs, target, peer, op), 2, '×')} ${label}`);
        }
      }
      lines.push(`    ${target.padEnd(10)} ${cells.join(' ')}`);
    }
  }
  return lines;
}
