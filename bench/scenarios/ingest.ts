import { cpuMs, nowMs } from '../clock.js';
import { startBenchMongo } from '../bench-mongo.js';
import { LoadFleet } from '../load-fleet.js';
import { treeUsage } from '../proc-stats.js';
import type { RunResult } from '../results.js';
import { startRelayService, type ScaleTarget } from '../scale-targets.js';
import type { Session } from '../session.js';

// Ingest: how many change events per second one relay takes from MongoDB. One relay process, a few
// clients (so delivery costs little), and a writer inserting `events` products as fast as MongoDB
// accepts them (insertMany, `batch` per call, w: majority). Events/s runs from the first insert to the
// last client holding the last event. The CPU of every process involved (relay, MongoDB double,
// writer, load) says which one is the limit; the relay's CPU per event says what it could take alone.

/** The size of an ingest run. */
export interface IngestPlan {
  clients: number;
  events: number;
  batch: number;
}

/** Runs one ingest measurement; every process it started is stopped. */
export async function runIngest(session: Session, repeat: number, plan: IngestPlan): Promise<RunResult> {
  const base: RunResult = { scenario: 'ingest', target: 'relay', repeat, lost: 0, outOfOrder: 0 };
  const mongo = await startBenchMongo(`bench_ingest_${process.pid}_${session.nextRun()}`);
  let server: ScaleTarget | undefined;
  let fleet: LoadFleet | undefined;
  try {
    server = await startRelayService({
      mongoUrl: mongo.url,
      database: mongo.database,
      workers: 1,
      maxConnections: 1_000,
      // A history that holds the whole run: a load client that falls behind during a burst (the load
      // process shares two cores with the relay, the double and the writer) is replayed from memory
      // instead of being cut as a slow client (4408) once it is more than the default 10,000 events
      // behind. This scenario measures the change-stream intake; the slow scenario measures that policy.
      env: {
        RELAY_HISTORY_EVENTS: String(plan.events + 1_000),
        RELAY_HISTORY_BYTES: String(Math.max(16 * 1024 * 1024, (plan.events + 1_000) * 1024)),
      },
    });
    fleet = await LoadFleet.start(1);
    const ramp = await fleet.connect(plan.clients, {
      port: server.port,
      path: server.path,
      dialect: server.dialect,
      slow: 0,
      expected: plan.events,
      receipts: false,
      concurrency: plan.clients,
    });
    if (ramp.failed > 0) throw new Error(`${ramp.failed} clients could not connect: ${ramp.error}`);

    const relayPid = server.pid;
    const cpu = async () => ({
      relay: treeUsage(relayPid).cpuMs,
      double: mongo.double ? await mongo.double.call('cpu', null) : Number.NaN,
      writer: cpuMs(),
      load: await fleet!.cpu(),
    });
    const before = await cpu();
    const started = nowMs();
    await mongo.insert(0, plan.events, plan.batch);
    const written = nowMs();
    const got = await fleet.collect({ timeoutMs: 120_000, stallMs: 15_000 });
    const after = await cpu();
    const seconds = (got.lastReceipt - started) / 1000;

    const usage = (['relay', 'double', 'writer', 'load'] as const)
      .filter((name) => Number.isFinite(after[name] - before[name]))
      .map((name) => ({
        process: name === 'double' ? 'MongoDB double' : name,
        microsPerEvent: ((after[name] - before[name]) * 1000) / plan.events,
        percent: (after[name] - before[name]) / seconds / 10,
      }));
    const busiest = [...usage].sort((a, b) => b.percent - a.percent)[0]!;
    const relay = usage.find((entry) => entry.process === 'relay')!;
    const bottleneck =
      busiest.process === 'relay'
        ? `the relay (${busiest.percent.toFixed(0)}% of a core, ${relay.microsPerEvent.toFixed(1)} µs/event)`
        : `${busiest.process} (${busiest.percent.toFixed(0)}% of a core); the relay used ${relay.percent.toFixed(0)}% at ${relay.microsPerEvent.toFixed(1)} µs/event, ~${Math.round(1e6 / relay.microsPerEvent).toLocaleString('en-US')} events/s per core on its own`;
    const result: RunResult = {
      ...base,
      deliveries: got.received,
      seconds,
      throughput: got.received / seconds,
      lost: got.lost,
      outOfOrder: got.outOfOrder,
      ingest: {
        events: plan.events,
        clients: plan.clients,
        eventsPerSecond: plan.events / seconds,
        writtenPerSecond: plan.events / ((written - started) / 1000),
        cpu: usage,
        bottleneck,
      },
    };
    if (got.stalled) result.error = `nothing arrived for 15 s with ${got.lost} events still missing`;
    // A client more than the relay's history behind is closed (4408): here, a starved load process.
    if (got.closedEarly > 0)
      result.error = `${got.closedEarly} of ${plan.clients} clients were closed before receiving everything (fell behind the relay's bounds)`;
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
