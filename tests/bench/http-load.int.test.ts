import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { combineHttpLoads, runHttpLoadSlice } from '../../bench/http-load.js';

// The api scenario measures each target in slices taken in turns with the other targets', then adds
// each target's slices up into one result. What the sum must be: every request counted once, over
// the time the slices lasted together, with latency percentiles of all requests (not an average of
// the slices' percentiles, which would hide a slow slice).

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server answering 200 after `delay.ms` (changeable between slices). */
async function delayedServer(delay: { ms: number }): Promise<string> {
  server = createServer((_request, response) => {
    setTimeout(() => response.end('{}'), delay.ms);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('load measured in slices', () => {
  it('adds slices up: requests and seconds summed, latency from every request of every slice', async () => {
    const delay = { ms: 0 };
    const url = await delayedServer(delay);
    const spec = { method: 'GET' as const, path: '/' };
    const fast = await runHttpLoadSlice(url, spec, { connections: 2, seconds: 0.3 });
    delay.ms = 40;
    const slow = await runHttpLoadSlice(url, spec, { connections: 2, seconds: 0.3 });

    const [fastAlone, slowAlone] = [combineHttpLoads([fast]), combineHttpLoads([slow])];
    const both = combineHttpLoads([fast, slow]);
    expect(fastAlone.requests).toBeGreaterThan(0);
    expect(slowAlone.requests).toBeGreaterThan(0);
    expect(both.requests).toBe(fastAlone.requests + slowAlone.requests);
    expect(both.seconds).toBeCloseTo(fastAlone.seconds + slowAlone.seconds, 5);
    expect(both.requestsPerSecond).toBeCloseTo(both.requests / both.seconds, 5);
    // Every answer of the slow slice waited at least 40 ms, so the merged maximum and p99 did too;
    // the fast slice had far more requests, so the merged median is a fast one.
    expect(slowAlone.p50).toBeGreaterThanOrEqual(40);
    expect(both.max).toBeGreaterThanOrEqual(40);
    expect(both.p99).toBeGreaterThanOrEqual(40);
    expect(both.p50).toBeLessThan(40);
    expect(both.non2xx + both.errors).toBe(0);
  });
});
