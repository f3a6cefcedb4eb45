import { parseChaosOptions, usage } from './options.js';
import { runChaos, type ChaosReport } from './run-chaos.js';
import { killAllServices } from './service-process.js';

// `npm run chaos`: environment, the time limit, signals, the printed verdict and the exit code.
// Exit 0 only when every consumer saw every product exactly once in commit order; 1 otherwise;
// 2 for a bad option. Child processes are killed however the run ends.

const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}`);

/** Close codes as `code×count`, e.g. `1006×12,1011×1` (a reconnect attempt while the relay is down is a 1006). */
function tally(codes: number[]): string {
  const counts = new Map<number, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, count]) => `${code}×${count}`).join(',') || 'none';
}

function print(report: ChaosReport): void {
  report.consumers.forEach((v, i) => {
    console.log(
      `consumer ${String(i + 1).padStart(3)}  received=${v.received} lost=${v.lost} duplicated=${v.duplicated} out_of_order=${v.outOfOrder} unknown=${v.unknown} id_mismatch=${v.idMismatch} resets=${v.resets}${v.malformed ? ` malformed=${v.malformed}` : ''} connections=${v.connections} closes=${tally(v.closeCodes)}${v.lost ? ` lost_at=${v.lostAt.join(',')}` : ''}`,
    );
  });
  report.live.forEach((v, i) => {
    console.log(
      `live ${String(i + 1).padStart(3)}  products=${v.products} missing=${v.missing} extra=${v.extra} differing=${v.differing} resets=${v.resets}`,
    );
  });
  const sum = (key: 'lost' | 'duplicated' | 'outOfOrder' | 'unknown' | 'idMismatch' | 'resets' | 'malformed') =>
    report.consumers.reduce((total, v) => total + v[key], 0);
  console.log(`backend: ${report.backend}`);
  for (const note of report.notes) console.log(`note: ${note}`);
  console.log(
    `products: written=${report.written} in_db=${report.inDatabase} change_stream=${report.canonical} write_retries=${report.writeRetries} write_failures=${report.writeFailures.length}`,
  );
  for (const failure of report.writeFailures.slice(0, 10)) console.log(`  write failure ${failure}`);
  console.log(
    `faults: relay_kills=${report.faults['relay-kill']} mongo_drops=${report.faults['mongo-drop']} mongo_restarts=${report.faults['mongo-restart']} mongo_stalls=${report.faults['mongo-stall']} index_losses=${report.faults['index-loss']}`,
  );
  for (const crash of report.crashes) console.log(`crash: ${crash}`);
  if (!report.passed) {
    for (const { name, lines } of report.serviceLogs) {
      if (lines.length > 0) console.log(`--- ${name}: last lines ---\n${lines.slice(-25).join('\n')}`);
    }
  }
  console.log(
    `lost=${sum('lost')} duplicated=${sum('duplicated')} out_of_order=${sum('outOfOrder')} unknown=${sum('unknown')} id_mismatch=${sum('idMismatch')} resets=${sum('resets')} malformed=${sum('malformed')} consumers=${report.consumers.length} products=${report.inDatabase} live_equal=${report.live.filter((v) => v.missing + v.extra + v.differing === 0).length}/${report.live.length}`,
  );
  console.log(report.passed ? 'PASS' : 'FAIL');
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseChaosOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (!options) {
    console.log(usage);
    return 0;
  }
  const limit = options.seconds;
  const timeout = setTimeout(() => {
    console.error(`chaos: time limit of ${limit} s reached; killing everything`);
    void killAllServices().finally(() => process.exit(1));
  }, limit * 1000);
  timeout.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void killAllServices().finally(() => process.exit(130)));
  }
  log(
    `chaos: products=${options.products} consumers=${options.consumers} relay_kills=${options.relayKills} drops=${options.drops} mongo_restarts=${options.mongoRestarts} mongo_stalls=${options.mongoStalls}x${options.stallSeconds}s index_losses=${options.indexLosses} late_mongo=${options.lateMongoSeconds}s limit=${limit}s`,
  );
  try {
    // The only environment the run reads: an external MongoDB, if any.
    const report = await runChaos(options, { mongoUrl: process.env.MONGO_URL || undefined }, log);
    print(report);
    return report.passed ? 0 : 1;
  } catch (error) {
    console.error(`chaos: run failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    clearTimeout(timeout);
  }
}

process.exitCode = await main();
// Lingering handles (a driver's monitor, a socket in its close handshake) must not keep a finished run alive.
setTimeout(() => process.exit(), 2_000).unref();
