import { killAllChildren } from './children.js';
import { describeMachine, type MachineInfo } from './machine.js';
import type { BenchPlan } from './plan.js';
import { formatRun } from './report.js';
import type { RunResult, ScenarioName } from './results.js';
import { runConnections } from './scenarios/connections.js';
import { runApi } from './scenarios/api.js';
import { runE2e } from './scenarios/e2e.js';
import { runIngest } from './scenarios/ingest.js';
import { runStorm } from './scenarios/storm.js';
import { runFanOut } from './scenarios/fan-out.js';
import { runIdle } from './scenarios/idle.js';
import { runSlow } from './scenarios/slow.js';
import { Session } from './session.js';
import type { TargetName } from './targets/target.js';
import { evaluate, type BenchSummary, type TargetCheck } from './targets-check.js';

// The benchmark as a function: runs a plan, repeat by repeat, with the targets of each scenario
// interleaved and their order rotated every repeat (so no target always runs first, on a cold machine,
// or last, on a warm one). main.ts prints; the test calls this directly with a tiny plan.

/** Everything a benchmark run produced. */
export interface BenchResult {
  machine: MachineInfo;
  plan: BenchPlan;
  runs: RunResult[];
  checks: TargetCheck[];
  summary: BenchSummary;
  seconds: number;
}

/** The document `--json FILE` writes: machine, options, plan, every run, the targets and the summary. */
export function resultDocument(result: BenchResult, options: unknown): Record<string, unknown> {
  return {
    machine: result.machine,
    options,
    plan: result.plan,
    runs: result.runs,
    targets: result.checks,
    summary: result.summary,
    seconds: result.seconds,
  };
}

const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, index) => items[(index + by) % items.length]!);

/** Runs `plan`, calling `onRun` with each run's line as it finishes; all child processes end with it. */
export async function runBenchmark(
  plan: BenchPlan,
  onRun: (line: string, run: RunResult) => void = () => undefined,
  { profileDir }: { profileDir?: string } = {},
): Promise<BenchResult> {
  const machine = describeMachine();
  const started = performance.now();
  const runs: RunResult[] = [];
  const record = (run: RunResult) => {
    runs.push(run);
    onRun(formatRun(run), run);
  };
  const session = await Session.start(profileDir);
  try {
    const most = Math.max(...plan.scenarios.map((scenario) => plan.repeats[scenario]));
    for (let repeat = 1; repeat <= most; repeat++) {
      for (const scenario of plan.scenarios) {
        if (repeat > plan.repeats[scenario]) continue;
        // Each run is recorded (and its line printed) as it finishes, not when its scenario does.
        for (const run of await runScenario(session, plan, scenario, repeat, record)) if (!runs.includes(run)) record(run);
      }
    }
  } finally {
    await session.close().catch(() => undefined);
    killAllChildren();
  }
  const { summary, checks } = evaluate(runs);
  return { machine, plan, runs, checks, summary, seconds: (performance.now() - started) / 1000 };
}

async function runScenario(
  session: Session,
  plan: BenchPlan,
  scenario: ScenarioName,
  repeat: number,
  record: (run: RunResult) => void,
): Promise<RunResult[]> {
  const each = async (targets: TargetName[], run: (target: TargetName) => Promise<RunResult>) => {
    const results: RunResult[] = [];
    for (const target of rotate(targets, repeat - 1)) {
      const result = await run(target);
      record(result);
      results.push(result);
    }
    return results;
  };
  switch (scenario) {
    case 'burst':
      return each(plan.targets.burst, (target) => runFanOut(session, target, repeat, plan.burst));
    case 'trickle':
      return each(plan.targets.trickle, (target) => runFanOut(session, target, repeat, plan.trickle));
    case 'idle':
      if (plan.idleSteps.length === 0) return [];
      return each(plan.targets.idle, (target) => runIdle(session, target, repeat, plan.idleSteps));
    case 'slow':
      return [await runSlow(session, repeat, plan.slow)];
    case 'e2e':
      return [await runE2e(session, repeat, plan.e2e)];
    case 'connections':
      return each(plan.connections.targets, (target) => runConnections(session, target as 'relay' | 'socketio', repeat, plan.connections));
    case 'storm':
      return each(plan.storm.targets, (target) => runStorm(session, target as 'relay' | 'socketio', repeat, plan.storm));
    case 'ingest':
      return [await runIngest(session, repeat, plan.ingest)];
    case 'api':
      return runApi(repeat, plan.api, { profileDir: session.profileDir, runId: session.nextRun() });
  }
}
