import { writeFile } from 'node:fs/promises';
import { killAllChildren } from './children.js';
import { describeBackend } from './bench-mongo.js';
import { describeMachine, formatMachine } from './machine.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { planFor } from './plan.js';
import { formatApiMedians } from './api-report.js';
import { formatMedians } from './report.js';
import { resultDocument, runBenchmark } from './run.js';
import { e2eBackend } from './scenarios/e2e.js';
import { formatChecks } from './targets-check.js';

// `npm run bench`: environment (argv), the run, the report. Exit 0 when every target passed, 1 when a
// target failed, 3 when something was lost, out of order or a run failed, 2 on bad options.

let options: BenchOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

const machine = describeMachine();
// Each side of the idle scenario holds one descriptor per connection (plus a few); skip the steps the
// inherited limit cannot hold rather than fail halfway. Raise it with `ulimit -n` before the run.
const plan = planFor(options, machine.openFilesLimit - 200);
console.log(formatMachine(machine).join('\n'));
console.log(
  `plan: ${options.quick ? 'quick' : 'full'} · scenarios ${plan.scenarios.join(', ')} · burst ${plan.burst.clients} clients × ${plan.burst.events} events (batches of ${plan.burst.batch}) · trickle ${plan.trickle.rate}/s × ${plan.trickle.events} events (first ${plan.trickle.warmUpEvents ?? 0} warm-up, not in latency) to ${plan.trickle.clients} · idle ${plan.idleSteps.join(' and ') || 'skipped (open files limit)'} · slow ${plan.slow.slow} of ${plan.slow.clients} × ${plan.slow.events} events`,
);
const c = plan.connections;
if (plan.scenarios.includes('connections'))
  console.log(
    `connections: ${c.connections.toLocaleString('en-US')} clients over ${c.loadProcesses} load processes (127.0.0.11–${10 + c.loadProcesses}), relay with ${c.workers} workers, then ${c.events} events at ${c.rate}/s · MongoDB: ${describeBackend()}`,
  );
if (plan.scenarios.includes('storm'))
  console.log(
    `storm: ${plan.storm.clients.toLocaleString('en-US')} clients drop at once, ${plan.storm.missed.toLocaleString('en-US')} events written meanwhile, all reconnect at once`,
  );
if (plan.scenarios.includes('ingest'))
  console.log(
    `ingest: ${plan.ingest.events.toLocaleString('en-US')} inserts (insertMany × ${plan.ingest.batch}) through one relay to ${plan.ingest.clients} clients`,
  );
if (plan.scenarios.includes('api')) {
  const api = plan.api;
  console.log(
    `api: ${api.targets.join(', ')} × ${api.ops.join(', ')} · ${api.connections} connections · ${api.seconds} s each, in ${api.slices} turns of ${api.seconds / api.slices} s (after ${api.warmUpSeconds} s warm-up) · MongoDB: ${e2eBackend()}`,
  );
}
if (plan.scenarios.includes('e2e'))
  console.log(`e2e: ${plan.e2e.posts} POSTs at ${plan.e2e.rate}/s to ${plan.e2e.clients} clients · MongoDB: ${e2eBackend()}`);
console.log('');

try {
  const result = await runBenchmark(plan, (line) => console.log(line), { profileDir: options.profile });
  console.log('');
  console.log([...formatMedians(result.runs), ...formatApiMedians(result.runs)].join('\n'));
  console.log('');
  console.log(formatChecks(result.checks).join('\n'));
  console.log(`\nfinished in ${result.seconds.toFixed(0)} s`);
  if (options.json) {
    await writeFile(options.json, `${JSON.stringify(resultDocument(result, options), null, 2)}\n`);
    console.log(`results written to ${options.json}`);
  }
  const broken = result.summary.lost > 0 || result.summary.outOfOrder > 0 || result.summary.errors > 0;
  process.exit(broken ? 3 : result.summary.pass ? 0 : 1);
} catch (error) {
  console.error('benchmark failed:', error instanceof Error ? error.message : error);
  killAllChildren();
  process.exit(3);
}
