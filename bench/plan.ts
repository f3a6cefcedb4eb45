import type { BenchOptions } from './options.js';
import { API_OPS, API_TARGET_NAMES } from './api-targets.js';
import type { ScenarioName } from './results.js';
import { CLIENTS_PER_LOAD_PROCESS } from './load-fleet.js';
import type { ConnectionsPlan } from './scenarios/connections.js';
import type { ApiPlan } from './scenarios/api.js';
import type { FanOutPlan } from './scenarios/fan-out.js';
import type { IngestPlan } from './scenarios/ingest.js';
import type { StormPlan } from './scenarios/storm.js';
import { DEFAULT_MAX_BUFFERED, eventsToOverflow } from './scenarios/slow.js';
import type { TargetName } from './targets/target.js';

// The sizes of every scenario, full and quick. Full follows the issue (1,000 clients × 2,000 events,
// 500 events/s, 1,000 and 10,000 idle connections, 10 of 1,000 slow); quick keeps the client counts and
// shrinks event counts and repeats so the whole run fits in about two minutes on two cores.

/** Trickle events sent before the measured ones (0.3 s at 500/s). */
const TRICKLE_WARM_UP = 150;

/** Everything one benchmark run will do. */
export interface BenchPlan {
  quick: boolean;
  scenarios: ScenarioName[];
  /** Repeats per scenario: timed ones follow --repeats; quick measures memory-only ones once. */
  repeats: Record<ScenarioName, number>;
  targets: Record<'burst' | 'trickle' | 'idle', TargetName[]>;
  burst: FanOutPlan;
  trickle: FanOutPlan;
  idleSteps: number[];
  slow: FanOutPlan;
  e2e: { clients: number; posts: number; rate: number };
  connections: ConnectionsPlan;
  storm: StormPlan;
  ingest: IngestPlan;
  api: ApiPlan;
}

/** The plan for the given options. */
export function planFor(options: BenchOptions, idleLimit = Number.POSITIVE_INFINITY): BenchPlan {
  const quick = options.quick;
  const r = options.repeats;
  // No process may hold more sockets than its open-files limit: relay workers and load processes are
  // added until each holds at most this many.
  const perProcess = Math.max(1_000, Math.min(CLIENTS_PER_LOAD_PROCESS, idleLimit - 1_000));
  const connections = quick ? 10_000 : 100_000;
  const processes = Math.ceil(connections / perProcess);
  const slowEvents = eventsToOverflow(DEFAULT_MAX_BUFFERED);
  return {
    quick,
    scenarios: options.scenarios,
    // 100,000 connections take minutes to open on two cores: measured once per run.
    repeats: {
      burst: r,
      trickle: r,
      idle: quick ? 1 : r,
      slow: quick ? 1 : r,
      e2e: quick ? 1 : r,
      api: r,
      connections: 1,
      storm: quick ? 1 : r,
      ingest: quick ? 1 : r,
    },
    targets: {
      burst: ['relay', 'socketio', 'ws', 'ceiling'],
      // The raw peers lag like Socket.IO at this rate; quick skips them to stay within its budget.
      trickle: quick ? ['relay', 'socketio'] : ['relay', 'socketio', 'ws', 'ceiling'],
      idle: ['relay', 'ws', 'socketio'],
    },
    burst: { scenario: 'burst', clients: 1000, slow: 0, events: quick ? 200 : 2000, batch: 100, rate: 0 },
    // The first 0.3 s (150 events) warm the fresh connections up and are left out of the latency.
    trickle: {
      scenario: 'trickle',
      clients: 1000,
      slow: 0,
      events: (quick ? 500 : 2500) + TRICKLE_WARM_UP,
      warmUpEvents: TRICKLE_WARM_UP,
      batch: 1,
      rate: 500,
    },
    idleSteps: [1000, 10_000].filter((step) => step <= idleLimit),
    // A steady stream of 1,000,000 deliveries/s, long enough for each slow client to be sent more than
    // the kernel's buffers plus the relay's bound. Quick keeps the 10 slow clients but fewer healthy
    // ones (and a faster stream, for the same deliveries/s).
    slow: { scenario: 'slow', clients: quick ? 200 : 1000, slow: 10, events: slowEvents, batch: 100, rate: quick ? 5000 : 1000 },
    e2e: { clients: quick ? 100 : 1000, posts: quick ? 100 : 300, rate: 50 },
    connections: {
      connections,
      workers: Math.max(2, processes),
      loadProcesses: Math.max(2, processes),
      events: quick ? 5 : 20,
      rate: 1,
      targets: ['relay', 'socketio'],
      rampBudgetMs: quick ? { relay: 120_000, socketio: 120_000 } : { relay: 600_000, socketio: 240_000 },
    },
    storm: { clients: quick ? 2_000 : 10_000, missed: quick ? 500 : 2_000, loadProcesses: quick ? 1 : 2, targets: ['relay', 'socketio'] },
    ingest: { clients: 10, events: quick ? 10_000 : 50_000, batch: 1_000 },
    // As issue 16 measured: 50 connections, 10 s per operation and target; quick runs 3 s each.
    api: {
      targets: [...API_TARGET_NAMES],
      ops: [...API_OPS],
      connections: 50,
      seconds: quick ? 3 : 10,
      slices: quick ? 3 : 5,
      warmUpSeconds: 1,
    },
  };
}
