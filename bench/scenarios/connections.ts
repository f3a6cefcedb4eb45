import { nowMs } from '../clock.js';
import { startBenchMongo } from '../bench-mongo.js';
import { latencyOfBuckets } from '../latency-buckets.js';
import { LoadFleet } from '../load-fleet.js';
import { treeUsage } from '../proc-stats.js';
import type { RunResult } from '../results.js';
import { poll, startRelayService, startSocketIoService, type ScaleTarget } from '../scale-targets.js';
import type { Session } from '../session.js';

// Many connections on one host: ramp to `connections` WebSocket clients (the target runs `workers`
// processes, as no process may hold more than 20,000 open files; the clients live in `loadProcesses`
// processes, each from its own 127.0.0.x source address), then write `events` products at `rate`/s
// to MongoDB and check that every client receives every one. Latency is per delivery: from just
// before the insert is sent to the client's read, on the machine's shared clock, so it includes the
// write, the change stream and the fan-out.

/** The size of a connections run. */
export interface ConnectionsPlan {
  connections: number;
  workers: number;
  loadProcesses: number;
  events: number;
  /** Events written per second. */
  rate: number;
  targets: ('relay' | 'socketio')[];
  /** How long each target's ramp may take; it is reported at the size it reached by then (the relay must reach them all). */
  rampBudgetMs: Record<'relay' | 'socketio', number>;
}

const MiB = 1024 * 1024;

/** Runs one connections measurement against `target`; every process it started is stopped. */
export async function runConnections(
  session: Session,
  target: 'relay' | 'socketio',
  repeat: number,
  plan: ConnectionsPlan,
): Promise<RunResult> {
  const base: RunResult = { scenario: 'connections', target, repeat, lost: 0, outOfOrder: 0 };
  const mongo = await startBenchMongo(`bench_connections_${process.pid}_${session.nextRun()}`);
  let server: ScaleTarget | undefined;
  let fleet: LoadFleet | undefined;
  try {
    const perWorker = Math.ceil(plan.connections / plan.workers);
    server =
      target === 'relay'
        ? await startRelayService({
            mongoUrl: mongo.url,
            database: mongo.database,
            workers: plan.workers,
            maxConnections: Math.min(19_000, Math.ceil(perWorker * 1.25) + 100),
          })
        : await startSocketIoService({ mongoUrl: mongo.url, database: mongo.database, workers: plan.workers, recovery: false });
    fleet = await LoadFleet.start(plan.loadProcesses);
    const before = treeUsage(server.pid).rssBytes;

    const rampStart = nowMs();
    const ramp = await fleet.connect(
      plan.connections,
      {
        port: server.port,
        path: server.path,
        dialect: server.dialect,
        slow: 0,
        expected: plan.events,
        receipts: false,
        concurrency: 100,
        deliveryTimes: true,
        dropUnready: true,
      },
      plan.rampBudgetMs[target],
    );
    const connectSeconds = (nowMs() - rampStart) / 1000;
    // The server's own count (Socket.IO's is reported every 100 ms): wait until it has seen them all.
    const held = await poll(
      async () => {
        const count = await server!.clients();
        return count >= ramp.ready ? count : undefined;
      },
      10_000,
      'the server to count every connection',
    ).catch(() => server!.clients());
    const after = treeUsage(server.pid).rssBytes;

    // Products at `rate`/s, each timed just before its insert is sent. The CPU the target and the load
    // processes use meanwhile, per delivery, says what one host can do when both live on it.
    const cpuBefore = { target: treeUsage(server.pid).cpuMs, load: await fleet.cpu() };
    const pushTimes: number[] = [];
    const started = nowMs();
    for (let seq = 0; seq < plan.events; seq++) {
      const wait = started + (seq * 1000) / plan.rate - nowMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      pushTimes.push(...(await mongo.insert(seq, 1)));
    }
    const got = await fleet.collect({ timeoutMs: 60_000, stallMs: 15_000, expected: plan.events });
    const perDelivery = (ms: number) => (ms * 1000) / Math.max(1, got.received);
    const cpu = {
      targetMicrosPerDelivery: perDelivery(treeUsage(server.pid).cpuMs - cpuBefore.target),
      loadMicrosPerDelivery: perDelivery((await fleet.cpu()) - cpuBefore.load),
    };
    const latency = latencyOfBuckets(await fleet.latency(pushTimes));
    const seconds = (got.lastReceipt - pushTimes[0]!) / 1000;
    const result: RunResult = {
      ...base,
      deliveries: got.received,
      seconds,
      throughput: got.received / seconds,
      lost: got.lost,
      outOfOrder: got.outOfOrder,
      latency,
      connections: {
        asked: plan.connections,
        held,
        workers: plan.workers,
        loadProcesses: plan.loadProcesses,
        connectSeconds,
        connectRate: ramp.ready / connectSeconds,
        rssPerConnectionKiB: (after - before) / Math.max(1, held) / 1024,
        rssMiB: after / MiB,
        events: plan.events,
        cpu,
      },
    };
    // The relay must hold them all; Socket.IO is reported at the size it reached.
    if (target === 'relay' && held < plan.connections)
      result.error = `held ${held} of ${plan.connections} connections (${ramp.failed} failed: ${ramp.error})`;
    if (got.stalled) result.error = `nothing arrived for 15 s with ${got.lost} events still missing`;
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
