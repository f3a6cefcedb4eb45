import { nowMs } from '../clock.js';
import { startBenchMongo } from '../bench-mongo.js';
import { LoadFleet } from '../load-fleet.js';
import { samplePeakRss } from '../proc-stats.js';
import type { RunResult } from '../results.js';
import { poll, startRelayService, startSocketIoService, type ScaleTarget } from '../scale-targets.js';
import type { Session } from '../session.js';

// A reconnect storm, as after a network blip: `clients` clients each hold a position (they received
// event 0); every connection drops at once; `missed` products are written while they are away (and
// the server has read them all from its change stream); then every client reconnects at once with its
// position: the relay's `?since=<last event id>`, Socket.IO's connectionStateRecovery (session id and
// offset). Measured: from the reconnects starting to the last client holding every missed event, then
// that one more write reaches everyone live; lost and duplicated events; the relay's catch-up streams
// (missed events still in its in-memory history need none); peak RSS.

/** The size of a storm. */
export interface StormPlan {
  clients: number;
  missed: number;
  loadProcesses: number;
  targets: ('relay' | 'socketio')[];
}

const MiB = 1024 * 1024;
/** How long every client may take to catch up; a target still behind then is reported with what it had delivered. */
export const STORM_CATCH_UP_BOUND_MS = 300_000;

/** Runs one storm against `target`; every process it started is stopped. */
export async function runStorm(session: Session, target: 'relay' | 'socketio', repeat: number, plan: StormPlan): Promise<RunResult> {
  const base: RunResult = { scenario: 'storm', target, repeat, lost: 0, outOfOrder: 0 };
  const mongo = await startBenchMongo(`bench_storm_${process.pid}_${session.nextRun()}`);
  let server: ScaleTarget | undefined;
  let fleet: LoadFleet | undefined;
  try {
    server =
      target === 'relay'
        ? await startRelayService({ mongoUrl: mongo.url, database: mongo.database, workers: 1, maxConnections: plan.clients + 1_000 })
        : await startSocketIoService({ mongoUrl: mongo.url, database: mongo.database, workers: 1, recovery: true });
    fleet = await LoadFleet.start(plan.loadProcesses);
    const total = plan.missed + 2;
    const ramp = await fleet.connect(plan.clients, {
      port: server.port,
      path: server.path,
      dialect: server.dialect,
      slow: 0,
      expected: 1,
      receipts: false,
      concurrency: 200,
      track: true,
    });
    if (ramp.failed > 0) throw new Error(`${ramp.failed} of ${plan.clients} clients could not connect: ${ramp.error}`);
    await mongo.insert(0, 1);
    const positioned = await fleet.collect({ timeoutMs: 60_000, expected: 1 });
    if (positioned.lost > 0) throw new Error(`${positioned.lost} clients never received their first event`);

    await fleet.drop();
    await poll(async () => ((await server!.clients()) === 0 ? true : undefined), 60_000, 'the server to notice every client gone');
    await mongo.insert(1, plan.missed, 100);
    await poll(
      async () => ((await server!.changesSeen()) >= plan.missed + 1 ? true : undefined),
      60_000,
      'the server to read every missed change',
    );

    const rss = samplePeakRss(server.pid);
    const stormStart = nowMs();
    const reopened = await fleet.reopen(120_000);
    const caughtUp = await fleet.collect({ timeoutMs: STORM_CATCH_UP_BOUND_MS, stallMs: 30_000, expected: plan.missed + 1 });
    const catchUpMs = caughtUp.lastReceipt - stormStart;
    const [liveSent] = await mongo.insert(plan.missed + 1, 1);
    const live = await fleet.collect({ timeoutMs: 60_000, stallMs: 20_000, expected: total });
    const peakRss = rss.stop();
    const catchUpPeak = await server.catchUpPeak();

    const result: RunResult = {
      ...base,
      deliveries: live.received,
      lost: live.lost,
      outOfOrder: live.outOfOrder,
      storm: {
        clients: plan.clients,
        missed: plan.missed,
        catchUpMs,
        liveMs: live.lastReceipt - liveSent!,
        reconnected: reopened.ready,
        retried: reopened.retried,
        duplicates: Math.max(0, live.received + live.lost - live.healthy * total),
        catchUpStreamsPeak: catchUpPeak ?? null,
        peakRssMiB: peakRss / MiB,
      },
    };
    // Reported even when the catch-up error below replaces it: a client that never got back explains
    // its missing events.
    if (reopened.failed > 0) result.error = `${reopened.failed} clients could not reconnect (first error: ${reopened.error})`;
    if (caughtUp.lost > 0)
      result.error = `${reopened.failed > 0 ? `${result.error}; ` : ''}not every client caught up within ${STORM_CATCH_UP_BOUND_MS / 1000} s (${caughtUp.lost.toLocaleString('en-US')} of ${(plan.clients * plan.missed).toLocaleString('en-US')} missed deliveries still missing${caughtUp.stalled ? ', stalled' : ''})`;
    else if (live.stalled) result.error = `the live event stalled with ${live.lost} events missing`;
    return result;
  } catch (error) {
    return { ...base, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await fleet?.disconnect();
    await fleet?.close();
    await server?.stop();
    await mongo.close();
  }
}
