import { MongoNetworkError, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createOperatorApp } from '../../api/app.js';
import { createApiMetrics } from '../../api/metrics.js';
import { silentLogger } from '../../common/logger.js';
import { sampleValue } from '../harness/prometheus-text.js';
import { apiFixture, SEED, type ApiFixture } from './api-fixture.js';
import { failingStores } from './stub-stores.js';

// GET /metrics on the API: requests by route pattern and status (count and duration), requests in
// flight, MongoDB failures by kind, and idempotent replays, as Prometheus reads them.

let api: ApiFixture;
beforeAll(async () => {
  api = await apiFixture(import.meta.url);
});
afterAll(() => api?.close());

async function scrape(app: { request: (path: string) => Response | Promise<Response> }): Promise<string> {
  const response = await app.request('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

describe('API metrics', () => {
  it('counts and times requests by route pattern and status, never by the raw path', async () => {
    const created = await api.send('POST', '/api/product/', SEED);
    const { id } = (await created.json()) as { id: string };
    await api.send('GET', `/api/product/${id}`);
    await api.send('GET', '/api/product/ffffffffffffffffffffffff');
    await api.send('GET', '/no/such/path');

    const text = await scrape(api.app);
    const count = (method: string, route: string, status: string) =>
      sampleValue(text, 'api_http_requests_total', { method, route, status });
    expect(count('POST', '/api/product', '201')).toBe(1);
    expect(count('GET', '/api/product/:id', '200')).toBe(1);
    expect(count('GET', '/api/product/:id', '404')).toBe(1);
    expect(count('GET', 'unmatched', '404')).toBe(1);
    expect(sampleValue(text, 'api_http_request_duration_seconds_count', { method: 'POST', route: '/api/product', status: '201' })).toBe(1);
    expect(
      sampleValue(text, 'api_http_request_duration_seconds_bucket', { method: 'POST', route: '/api/product', status: '201', le: '+Inf' }),
    ).toBe(1);
    expect(text).not.toContain(id);
    // The scrape itself is in flight while it renders; nothing else is.
    expect(sampleValue(text, 'api_http_requests_in_flight')).toBe(1);
    expect(sampleValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('shows a request in flight while MongoDB has not answered it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const stores = failingStores(new Error('unused'));
    const app = createApp({
      logger: silentLogger(),
      ...stores,
      repository: { ...stores.repository, list: async () => (await held, { items: [], next: undefined }) as never },
      ready: async () => true,
    });
    const pending = app.request('/api/product/');
    await expect.poll(async () => sampleValue(await scrape(app), 'api_http_requests_in_flight')).toBe(2);
    release();
    await pending;
    expect(sampleValue(await scrape(app), 'api_http_requests_in_flight')).toBe(1);
  });

  it('counts idempotent replays', async () => {
    const headers = { 'Idempotency-Key': `metrics-${Date.now()}` };
    expect((await api.send('POST', '/api/product/', SEED, headers)).status).toBe(201);
    const replay = await api.send('POST', '/api/product/', SEED, headers);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(sampleValue(await scrape(api.app), 'api_idempotent_replays_total')).toBe(1);
  });

  it('counts MongoDB failures that ended a request by kind, and not bugs', async () => {
    const metricsAfter = async (error: Error) => {
      const app = createApp({ logger: silentLogger(), ...failingStores(error), ready: async () => true });
      await app.request('/api/product/');
      return scrape(app);
    };
    const unavailable = await metricsAfter(new MongoNetworkError('connection reset'));
    expect(sampleValue(unavailable, 'api_mongo_errors_total', { kind: 'unavailable' })).toBe(1);
    expect(sampleValue(unavailable, 'api_http_requests_total', { route: '/api/product', status: '503' })).toBe(1);

    const timeout = await metricsAfter(new MongoServerError({ code: 50, errmsg: 'operation exceeded time limit' }));
    expect(sampleValue(timeout, 'api_mongo_errors_total', { kind: 'timeout' })).toBe(1);

    const bug = await metricsAfter(new TypeError('undefined is not a function'));
    for (const kind of ['unavailable', 'timeout', 'write-concern', 'duplicate-key', 'other']) {
      expect(sampleValue(bug, 'api_mongo_errors_total', { kind })).toBe(0);
    }
    expect(sampleValue(bug, 'api_http_requests_total', { route: '/api/product', status: '500' })).toBe(1);
  });
});

describe('who may read the API metrics', () => {
  const stores = () => failingStores(new Error('unused'));

  it('answers 404 on a port where they are closed, and 401 without the token where one is set', async () => {
    const closed = createApp({ logger: silentLogger(), ...stores(), ready: async () => true, metricsAccess: 'closed' });
    const hidden = await closed.request('/metrics');
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('content-type')).toBe('application/problem+json');
    expect(await hidden.text()).not.toMatch(/api_http_requests_total/);

    const guarded = createApp({
      logger: silentLogger(),
      ...stores(),
      ready: async () => true,
      metricsAccess: { token: 'metrics-token-16-chars' },
    });
    for (const authorization of [
      undefined,
      'Bearer wrong-token-of-16-chars',
      'Basic bWV0cmljczp4',
      'Bearer metrics-token-16-chars-and-more',
    ]) {
      const refused = await guarded.request('/metrics', { headers: authorization ? { authorization } : {} });
      expect(refused.status, authorization).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    }
    const allowed = await guarded.request('/metrics', { headers: { authorization: 'Bearer metrics-token-16-chars' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/api_http_requests_in_flight 1/);
  });

  it('serves them openly on the operators’ app, with the probes, and the requests of the public app in them', async () => {
    const metrics = createApiMetrics();
    const app = createApp({ logger: silentLogger(), ...stores(), ready: async () => true, metrics, metricsAccess: 'closed' });
    const operators = createOperatorApp({ logger: silentLogger(), metrics, ready: async () => false });
    await app.request('/api/product/nope');
    const text = await scrape(operators);
    expect(sampleValue(text, 'api_http_requests_total', { route: '/api/product/:id', status: '404' })).toBe(1);
    expect((await operators.request('/healthz')).status).toBe(200);
    expect((await operators.request('/readyz')).status).toBe(503);
    expect((await operators.request('/api/product/')).status).toBe(404);
  });
});
