import http from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { benchEvent } from '../../bench/events.js';
import { textFrame } from '../../relay/delivery/frames.js';
import { parseOptions } from '../../bench/options.js';
import { planFor, type BenchPlan } from '../../bench/plan.js';
import { resultDocument, runBenchmark } from '../../bench/run.js';
import { FrameCounter } from '../../bench/ws-counter.js';

// The benchmark's correctness on a tiny run: every client counted every event in order, and the
// summary carries what the issue asks for. No timing is asserted (CI machines are noisy).

function tinyPlan(): BenchPlan {
  const plan = planFor(parseOptions(['--repeats', '1', '--scenario', 'burst,trickle,idle,slow,e2e']));
  return {
    ...plan,
    targets: { burst: ['relay', 'socketio'], trickle: ['relay', 'socketio'], idle: ['relay', 'socketio'] },
    burst: { ...plan.burst, clients: 20, events: 50, batch: 10 },
    trickle: { ...plan.trickle, clients: 20, events: 50, warmUpEvents: 10, rate: 500 },
    idleSteps: [10, 20],
    // One of four clients never reads; the rest must still get everything.
    slow: { ...plan.slow, clients: 4, slow: 1, rate: 20_000 },
    e2e: { clients: 5, posts: 20, rate: 100 },
  };
}

describe('npm run bench', () => {
  it('counts every event at every client, in order, for the relay and a peer, and summarises the run', async () => {
    const lines: string[] = [];
    const result = await runBenchmark(tinyPlan(), (line) => lines.push(line));

    expect(result.runs.map((run) => run.error).filter(Boolean)).toEqual([]);
    const fanOut = result.runs.filter((run) => run.scenario === 'burst' || run.scenario === 'trickle');
    expect(fanOut.map((run) => `${run.scenario}/${run.target}`).sort()).toEqual([
      'burst/relay',
      'burst/socketio',
      'trickle/relay',
      'trickle/socketio',
    ]);
    for (const run of fanOut) {
      expect(run.deliveries).toBe(20 * 50);
      expect(run.lost).toBe(0);
      expect(run.outOfOrder).toBe(0);
    }
    const trickle = fanOut.find((run) => run.scenario === 'trickle' && run.target === 'relay')!;
    // Warm-up events are delivered and checked like the rest, but left out of the latency percentiles.
    expect(trickle.latency?.samples).toBe(40);
    expect(trickle.latencyWithWarmUp?.samples).toBe(50);

    const idle = result.runs.filter((run) => run.scenario === 'idle');
    expect(idle.map((run) => run.idle?.map((step) => step.connections))).toEqual([
      [10, 20],
      [10, 20],
    ]);

    const slow = result.runs.find((run) => run.scenario === 'slow')!;
    expect(slow.lost).toBe(0);
    expect(slow.deliveries).toBe(3 * result.plan.slow.events);
    expect(slow.slow?.stillOpen).toBe(0);
    expect(slow.slow!.slowReceived[0]).toBeLessThan(result.plan.slow.events);

    // Through the API, MongoDB (MONGO_URL or the double) and the relay's change feed.
    const e2e = result.runs.find((run) => run.scenario === 'e2e')!;
    expect({ deliveries: e2e.deliveries, lost: e2e.lost, outOfOrder: e2e.outOfOrder }).toEqual({
      deliveries: 5 * 20,
      lost: 0,
      outOfOrder: 0,
    });
    expect(e2e.latency?.samples).toBe(20);

    const document = JSON.parse(JSON.stringify(resultDocument(result, {}))) as { summary: Record<string, unknown>; runs: unknown[] };
    for (const field of ['burstRatioVsSocketIO', 'trickleRatioVsSocketIO', 'p99LatencyMs', 'rssPerIdleConnectionKiB', 'e2eP99Ms']) {
      expect(typeof document.summary[field], field).toBe('number');
    }
    expect(document.summary.lost).toBe(0);
    expect(document.runs).toHaveLength(result.runs.length);
    expect(lines).toHaveLength(result.runs.length);
  }, 180_000);
});

describe('npm run bench -- --scenario api', () => {
  it('answers every request of every operation on the API (grouped and single inserts) and its three peers, and reports the ratios', async () => {
    const plan = planFor(parseOptions(['--repeats', '1', '--scenario', 'api']));
    const tiny: BenchPlan = { ...plan, api: { ...plan.api, connections: 2, seconds: 0.5, slices: 2, warmUpSeconds: 0.2 } };
    const lines: string[] = [];
    const result = await runBenchmark(tiny, (line) => lines.push(line));

    // An answer other than 2xx, a connection error or a wrong first answer would show as an error.
    expect(result.runs.map((run) => run.error).filter(Boolean)).toEqual([]);
    expect(result.runs.map((run) => `${run.target}/${run.api?.op}`).sort()).toEqual(
      ['api', 'api-single', 'express', 'hono', 'http']
        .flatMap((target) => ['create', 'createOnce', 'get', 'list'].map((op) => `${target}/${op}`))
        .sort(),
    );
    for (const run of result.runs) {
      expect(run.api?.requests, `${run.target} ${run.api?.op}`).toBeGreaterThan(0);
      expect(run.latency?.p99).toBeGreaterThan(0);
    }
    const document = JSON.parse(JSON.stringify(resultDocument(result, {}))) as { summary: Record<string, unknown> };
    for (const field of [
      'apiCreateRequestsPerSecond',
      'apiCreateRatioVsHonoFloor',
      'apiCreateRatioVsExpress',
      'apiListRatioVsHonoFloor',
      'apiSingleInsertCreateRatioVsHonoFloor',
    ]) {
      expect(typeof document.summary[field], field).toBe('number');
    }
    expect(result.checks.filter((check) => check.name.startsWith('api:')).map((check) => check.pass)).not.toContain(null);
    expect(lines).toHaveLength(20);
    // Each line also gives the server's CPU per answered request, the figure servers compare by.
    for (const line of lines) expect(line).toMatch(/ · [\d,.]+ µs CPU per request · /);
  }, 180_000);
});

describe('the load clients', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** A ws server that writes `sequence` (as bench events) to each client once it connects. */
  async function serverSending(sequence: number[]): Promise<number> {
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    const server = http.createServer();
    server.on('upgrade', (request, socket: Socket, head) =>
      wss.handleUpgrade(request, socket, head, () => {
        for (const seq of sequence) socket.write(textFrame(JSON.stringify(benchEvent(seq, 1))));
        socket.end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => new Promise((resolve) => server.close(() => resolve()));
    return (server.address() as { port: number }).port;
  }

  function receive(port: number): Promise<FrameCounter> {
    return new Promise((resolve) => {
      new FrameCounter(
        { port, path: '/', dialect: 'ws' },
        () => undefined,
        () => undefined,
        resolve,
      );
    });
  }

  it('counts a sequence that arrives complete and in order as such', async () => {
    const counter = await receive(await serverSending([0, 1, 2, 3, 4]));
    expect({ count: counter.count, outOfOrder: counter.outOfOrder, error: counter.error }).toEqual({
      count: 5,
      outOfOrder: 0,
      error: null,
    });
  });

  it('notices an event that is missing, repeated or out of order', async () => {
    const gap = await receive(await serverSending([0, 1, 3, 4]));
    expect(gap.count).toBe(4);
    expect(gap.outOfOrder).toBe(1);
    await close?.();
    const swapped = await receive(await serverSending([0, 2, 1, 3]));
    expect(swapped.outOfOrder).toBe(3);
    await close?.();
    const repeated = await receive(await serverSending([0, 1, 1, 2]));
    expect(repeated.count).toBe(4);
    expect(repeated.outOfOrder).toBe(1);
  });
});

describe('bench options', () => {
  it('answers bad options with a message instead of running', () => {
    expect(() => parseOptions(['--repeats', '0'])).toThrow(/--repeats must be an integer/);
    expect(() => parseOptions(['--scenario', 'nope'])).toThrow(/unknown scenario nope/);
    expect(() => parseOptions(['--json'])).toThrow(/--json needs a value/);
    expect(() => parseOptions(['--fast'])).toThrow(/unknown option --fast/);
    expect(parseOptions(['--quick', '--json', 'out.json', '--repeats=4'])).toMatchObject({ quick: true, json: 'out.json', repeats: 4 });
  });
});
