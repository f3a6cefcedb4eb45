import { describe, expect, it } from 'vitest';
import { createApp, createOperatorApp } from '../../api/app.js';
import { createApiMetrics } from '../../api/metrics.js';
import { silentLogger } from '../../common/logger.js';
import { failingStores } from './stub-stores.js';

// A path the API serves answers a method it does not serve with 405 and the methods it does serve
// (RFC 9110 §15.5.6), read from the routes themselves; a path it does not serve answers 404.

const item = '/api/product/6b0f1e225f3c2a1b2c3d4e5f';

function app(metrics = createApiMetrics()) {
  return createApp({ logger: silentLogger(), metrics, ...failingStores(new Error('not reached')), ready: async () => true });
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
      expect([method, path, response.status, response.headers.get('allow')]).toEqual([method, path, 405, allow]);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 405, detail: `${method} is not supported here.` });
    }
  });

  it('answers it for every other path the API serves too, and 404 for paths it does not', async () => {
    const probe = await app().request('/healthz', { method: 'POST' });
    expect([probe.status, probe.headers.get('allow')]).toEqual([405, 'GET']);
    const operators = createOperatorApp({ logger: silentLogger(), metrics: createApiMetrics(), ready: async () => true });
    const scrape = await operators.request('/metrics', { method: 'DELETE' });
    expect([scrape.status, scrape.headers.get('allow')]).toEqual([405, 'GET']);
    const nowhere = await app().request('/api/products', { method: 'POST' });
    expect([nowhere.status, nowhere.headers.get('allow')]).toEqual([404, null]);
  });

  it('counts a 405 under the route it was asked of, and a 404 as unmatched', async () => {
    const metrics = createApiMetrics();
    const api = app(metrics);
    await api.request('/api/product/', { method: 'DELETE' });
    await api.request('/nowhere', { method: 'GET' });
    const text = await (await api.request('/metrics')).text();
    expect(text).toContain('api_http_requests_total{method="DELETE",route="/api/product",status="405"} 1');
    expect(text).toContain('api_http_requests_total{method="GET",route="unmatched",status="404"} 1');
  });
});
