import { Writable } from 'node:stream';
import { MongoServerSelectionError, type TopologyDescription } from 'mongodb';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { failingStores } from './stub-stores.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

const seed = JSON.stringify({ nombre: 'iPhone 15', precio: 999.99, talla: 'L' });
const json = { 'content-type': 'application/json' };

describe('answers to storage failures', () => {
  it('hides the internals of an unexpected error behind a bare 500 and logs them with the request id', async () => {
    const { logger, lines } = capturingLogger();
    const secret = new Error('connection string mongodb://admin:hunter2@10.0.0.5 exploded');
    const app = createApp({ logger, ...failingStores(secret), ready: async () => true });

    const response = await app.request('/api/product/', { method: 'POST', headers: { ...json, 'x-request-id': 'req-42' }, body: seed });

    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(text).not.toMatch(/hunter2|mongodb:|exploded|\.ts:\d/);
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: 'Internal Server Error' });
    const logged = lines.find((line) => line.msg === 'unexpected error while handling a request');
    expect(logged).toMatchObject({ requestId: 'req-42', method: 'POST', path: '/api/product/' });
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('answers 503 with Retry-After when MongoDB cannot be reached', async () => {
    const { logger } = capturingLogger();
    const unreachable = new MongoServerSelectionError('Server selection timed out', { type: 'Unknown' } as unknown as TopologyDescription);
    const app = createApp({ logger, ...failingStores(unreachable), ready: async () => false });

    const response = await app.request('/api/product/');

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/database is unavailable/) });
  });

  it('answers /readyz with 503 when the readiness check fails or hangs', async () => {
    const { logger } = capturingLogger();
    const stores = failingStores(new Error('unused'));
    const failing = createApp({ logger, ...stores, ready: () => Promise.reject(new Error('no primary')) });
    expect((await failing.request('/readyz')).status).toBe(503);
    const down = createApp({ logger, ...stores, ready: async () => false });
    const response = await down.request('/readyz');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await down.request('/healthz')).status).toBe(200);
  });

  it('logs one line per request with its id, method, path, status and duration', async () => {
    const { logger, lines } = capturingLogger();
    const app = createApp({ logger, ...failingStores(new Error('x')), ready: async () => true });

    const response = await app.request('/api/product/nope', { headers: { 'x-request-id': 'abc-123' } });
    await app.request('/healthz');

    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('abc-123');
    const requestLines = lines.filter((line) => line.msg === 'request');
    expect(requestLines).toHaveLength(2);
    expect(requestLines[0]).toMatchObject({ requestId: 'abc-123', method: 'GET', path: '/api/product/nope', status: 404 });
    expect(requestLines[0]?.ms).toEqual(expect.any(Number));
    expect(requestLines[1]).toMatchObject({ method: 'GET', path: '/healthz', status: 200, requestId: expect.any(String) });
  });

  it('logs probes and scrapes (/healthz, /readyz, /metrics) at debug, and requests people make at info', async () => {
    const { logger, lines } = capturingLogger();
    const app = createApp({ logger, ...failingStores(new Error('x')), ready: async () => false });
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/product/nope']) await app.request(path);
    const levels = Object.fromEntries(lines.filter((line) => line.msg === 'request').map((line) => [line.path, line.level]));
    expect(levels).toEqual({ '/healthz': 20, '/readyz': 20, '/metrics': 20, '/api/product/nope': 30 });
  });
});
