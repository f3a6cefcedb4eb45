import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../bench/options.js';
import { planFor, type BenchPlan } from '../../bench/plan.js';
import { resultDocument, runBenchmark } from '../../bench/run.js';

// The scale scenarios on a tiny run, against the relay as deployed (relay/main.ts with workers, over
// MongoDB: MONGO_URL or the double) and Socket.IO: every client got every event once and in order,
// a storm's clients came back with their positions, and the summary carries the fields. No
// timing is asserted.

function tinyPlan(): BenchPlan {
  const plan = planFor(parseOptions(['--repeats', '1', '--scenario', 'connections,storm,ingest']));
  return {
    ...plan,
    connections: {
      ...plan.connections,
      connections: 60,
      workers: 2,
      loadProcesses: 2,
      events: 3,
      rate: 10,
      rampBudgetMs: { relay: 60_000, socketio: 60_000 },
    },
    storm: { ...plan.storm, clients: 30, missed: 40, loadProcesses: 1 },
    ingest: { clients: 3, events: 300, batch: 100 },
  };
}

describe('npm run bench: scale scenarios', () => {
  it('holds every connection over relay workers, brings every storm client back with what it missed, and counts ingest, for the relay and Socket.IO', async () => {
    const result = await runBenchmark(tinyPlan());
    expect(result.runs.map((run) => `${run.scenario}/${run.target}: ${run.error ?? 'ok'}`).sort()).toEqual([
      'connections/relay: ok',
      'connections/socketio: ok',
      'ingest/relay: ok',
      'storm/relay: ok',
      'storm/socketio: ok',
    ]);
    for (const run of result.runs)
      expect({ run: `${run.scenario}/${run.target}`, lost: run.lost, outOfOrder: run.outOfOrder }).toEqual({
        run: `${run.scenario}/${run.target}`,
        lost: 0,
        outOfOrder: 0,
      });

    for (const run of result.runs.filter((run) => run.scenario === 'connections')) {
      expect(run.connections?.held).toBe(60);
      expect(run.deliveries).toBe(60 * 3);
      expect(run.latency?.samples).toBe(60 * 3);
    }
    for (const run of result.runs.filter((run) => run.scenario === 'storm')) {
      expect(run.storm).toMatchObject({ clients: 30, missed: 40, reconnected: 30, duplicates: 0 });
      // Event 0 before the drop, the 40 missed ones, and one live event after.
      expect(run.deliveries).toBe(30 * 42);
    }
    const relayStorm = result.runs.find((run) => run.scenario === 'storm' && run.target === 'relay')!;
    // 40 missed events are well inside the relay's in-memory history: no catch-up stream is needed.
    expect(relayStorm.storm?.catchUpStreamsPeak).toBe(0);
    const ingest = result.runs.find((run) => run.scenario === 'ingest')!;
    expect(ingest.deliveries).toBe(3 * 300);
    expect(ingest.ingest?.cpu.map((entry) => entry.process)).toContain('relay');

    const { summary } = JSON.parse(JSON.stringify(resultDocument(result, {}))) as { summary: Record<string, unknown> };
    for (const field of ['connectionsHeld', 'stormCatchUpMs', 'stormRatioVsSocketIO', 'ingestEventsPerSecond'])
      expect(typeof summary[field], field).toBe('number');
    expect(summary.connectionsHeld).toBe(60);
    // Only a run that asked for 100,000 connections fills the "at 100k" fields.
    expect(summary).toMatchObject({ rssPerConnectionKiBAt100k: null, p99LatencyMsAt100k: null, lost: 0 });
  }, 300_000);
});
