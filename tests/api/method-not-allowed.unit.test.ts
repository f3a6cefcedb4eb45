import { describe, expect, it } from 'vitest';
import { createApp, createOperatorApp } from '../../api/app.js';
import { createApiMetrics } from '../../api/metrics.js';
import type { MetricsAccess } from '../../api/metrics-routes.js';
import { silentLogger } from '../../common/logger.js';
import { failingStores } from './stub-stores.js';

// A path the API serves answers a method it does not serve with 405 and the methods it does serve
// (RFC 9110 §15.5.6), as the OpenAPI document says of every path; a path it does not serve answers 404.

const item = '/api/product/6b0f1e225f3c2a1b2c3d4e5f';

function app({
  metrics = createApiMetrics(),
  metricsAccess = 'open',
}: { metrics?: ReturnType<typeof createApiMetrics>; metricsAccess?: MetricsAccess } = {}) {
  return createApp({ logger: silentLogger(), metrics, metricsAccess, ...failingStores(new Error('not reached')), ready: async () => true });
}

async function answer(response: Response) {
  return { status: response.status, allow: response.headers.get('allow'), type: response.headers.get('content-type') };
}

describe('405 Method Not Allowed', () => {
  it('lists the methods of each product path in Allow, with or without the trailing slash', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/api/product', 'GET, POST'],
      ['OPTIONS', '/api/product/', 'GET, POST'],
      ['POST', item, 'GET, PUT, PATCH, DELETE'],
      ['PROPFIND', item, 'GET, PUT, PATCH, DELETE'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await app().request(path, { method });
      expect({ method, path, ...(await answer(response)) }).toEqual({ method, path, status: 405, allow, type: 'application/problem+json' });
      expect(await response.json()).toMatchObject({ status: 405, detail: `${method} is not supported here.` });
    }
  });

  it('answers it on every other path the API serves, which are read-only', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/docs/init.js']) {
      expect({ path, ...(await answer(await app().request(path, { method: 'POST' }))) }).toEqual({
        path,
        status: 405,
        allow: 'GET',
        type: 'application/problem+json',
      });
    }
    const operators = createOperatorApp({ logger: silentLogger(), metrics: createApiMetrics(), ready: async () => true });
    expect(await answer(await operators.request('/metrics', { method: 'DELETE' }))).toMatchObject({ status: 405, allow: 'GET' });
    // HEAD is GET without the body.
    expect((await app().request('/healthz', { method: 'HEAD' })).status).toBe(200);
  });

  it('answers 404 for paths it does not serve, /metrics included where it is closed', async () => {
    expect(await answer(await app().request('/api/products', { method: 'POST' }))).toMatchObject({ status: 404, allow: null });
    const closed = app({ metricsAccess: 'closed' });
    for (const method of ['GET', 'POST']) {
      expect(await answer(await closed.request('/metrics', { method }))).toMatchObject({ status: 404, allow: null });
    }
  });

  it('counts a 405 under the route it was asked of', async () => {
    const metrics = createApiMetrics();
    const api = app({ metrics });
    await api.request('/api/product/', { method: 'DELETE' });
    await api.request('/healthz', { method: 'PUT' });
    const text = await (await api.request('/metrics')).text();
    expect(text).toContain('api_http_requests_total{method="DELETE",route="/api/product",status="405"} 1');
    expect(text).toContain('api_http_requests_total{method="PUT",route="/healthz",status="405"} 1');
  });
});
