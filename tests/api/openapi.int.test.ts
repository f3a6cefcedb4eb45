import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { MongoNetworkError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { silentLogger } from '../../common/logger.js';
import { apiFixture, SEED, type ApiFixture } from './api-fixture.js';
import { failingStores } from './stub-stores.js';

// GET /openapi.json: a valid OpenAPI 3.1 document that lists every route the app serves, and every
// status, content type and body the app really answers (each one checked against its documented
// schema, problem+json errors included). GET /docs: the reference page, with its assets served by the API.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let api: ApiFixture;
let doc: Json;
beforeAll(async () => {
  api = await apiFixture(import.meta.url);
  const response = await api.app.request('/openapi.json');
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  doc = (await response.json()) as Json;
});
afterAll(() => api?.close());

/** `/api/product/:id` as the document writes it; the collection route as the seed's curl uses it. */
function documentedPath(path: string): string {
  if (path === '/api/product' || path === '/live') return `${path}/`;
  return path.replace(/:(\w+)/g, '{$1}');
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('documents every route the app serves, with its method', () => {
    // `ALL` routes only answer 405 for the methods a path lacks; /docs/<file> are the page's assets.
    const withPage = createApp({ logger: silentLogger(), db: api.db, livePage: true });
    const routes = withPage.routes.filter((route) => route.method !== 'ALL' && !route.path.startsWith('/docs/'));
    const served = [...new Set(routes.map((route) => `${route.method.toLowerCase()} ${documentedPath(route.path)}`))].sort();
    const documented = Object.entries(doc.paths as Json)
      .flatMap(([path, item]) =>
        Object.keys(item as Json)
          .filter((key) => key !== 'parameters')
          .map((method) => `${method} ${path}`),
      )
      .sort();
    expect(documented).toEqual(served);
  });

  it('describes the status, content type and body of every answer the app gives, errors included', async () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ ...doc, $id: 'openapi' });
    const secured = createApp({ logger: silentLogger(), db: api.db, jwtSecret: 'x'.repeat(32) });
    const down = createApp({
      logger: silentLogger(),
      ...failingStores(new MongoNetworkError('connection reset')),
      ready: async () => false,
    });
    const broken = createApp({ logger: silentLogger(), ...failingStores(new TypeError('a bug')), ready: async () => true });

    const created = (await (await api.send('POST', '/api/product/', SEED)).json()) as { id: string };
    const item = `/api/product/${created.id}`;
    const missing = '/api/product/ffffffffffffffffffffffff';
    const key = { 'idempotency-key': `openapi-${Date.now()}` };
    type Case = [app: typeof api.app, method: string, path: string, route: string, body?: unknown, headers?: Record<string, string>];
    const cases: Case[] = [
      [api.app, 'GET', '/api/product/', '/api/product/'],
      [api.app, 'GET', '/api/product/?limit=0', '/api/product/'],
      [api.app, 'POST', '/api/product/', '/api/product/', SEED],
      [api.app, 'POST', '/api/product/', '/api/product/', SEED, key],
      [api.app, 'POST', '/api/product/', '/api/product/', SEED, key],
      [api.app, 'POST', '/api/product/', '/api/product/', { ...SEED, talla: 'XL' }, key],
      [api.app, 'POST', '/api/product/', '/api/product/', { nombre: '', precio: 0.001 }],
      [api.app, 'POST', '/api/product/', '/api/product/', '{"nombre":'],
      [api.app, 'POST', '/api/product/', '/api/product/', SEED, { 'content-type': 'text/plain' }],
      [api.app, 'POST', '/api/product/', '/api/product/', { ...SEED, nombre: 'x'.repeat(20_000) }],
      [secured, 'POST', '/api/product/', '/api/product/', SEED],
      [api.app, 'GET', item, '/api/product/{id}'],
      [api.app, 'GET', missing, '/api/product/{id}'],
      [api.app, 'PUT', item, '/api/product/{id}', { ...SEED, precio: 5 }],
      [api.app, 'PUT', missing, '/api/product/{id}', SEED],
      [api.app, 'PUT', item, '/api/product/{id}', { precio: 5 }],
      [api.app, 'PATCH', item, '/api/product/{id}', { talla: 'S' }],
      [api.app, 'PATCH', item, '/api/product/{id}', {}],
      [secured, 'DELETE', item, '/api/product/{id}'],
      [api.app, 'DELETE', item, '/api/product/{id}'],
      [api.app, 'DELETE', item, '/api/product/{id}'],
      [down, 'GET', '/api/product/', '/api/product/'],
      [down, 'GET', '/readyz', '/readyz'],
      [broken, 'GET', missing, '/api/product/{id}'],
      [api.app, 'GET', '/readyz', '/readyz'],
      [api.app, 'GET', '/healthz', '/healthz'],
      [api.app, 'GET', '/metrics', '/metrics'],
      [api.app, 'GET', '/openapi.json', '/openapi.json'],
      [api.app, 'GET', '/docs', '/docs'],
    ];

    const seen = new Set<string>();
    for (const [app, method, path, route, body, headers = {}] of cases) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        init.headers = { 'content-type': 'application/json', ...headers };
      }
      const response = await app.request(path, init);
      const where = `${method} ${path} → ${response.status}`;
      const operation = (doc.paths as Json)[route]?.[method.toLowerCase()] as Json | undefined;
      expect(operation, where).toBeDefined();
      let answer = operation?.responses?.[String(response.status)] as Json | undefined;
      expect(answer, `${where} is documented`).toBeDefined();
      if (answer?.$ref) answer = (doc.components as Json).responses[String(answer.$ref).split('/').at(-1) ?? ''] as Json;
      seen.add(`${method} ${route} ${response.status}`);
      if (response.status === 204) continue;
      const type = (response.headers.get('content-type') ?? '').split(';')[0] ?? '';
      expect(Object.keys(answer?.content ?? {}), `${where} content type`).toContain(type);
      if (response.status >= 400) expect(type, where).toBe('application/problem+json');
      if (type.endsWith('json')) {
        const schema = answer?.content[type].schema as Json;
        const valid = ajv.validate(schema.$ref ? { $ref: `openapi${schema.$ref}` } : schema, await response.json());
        expect(ajv.errors ?? [], `${where} body matches the documented schema`).toEqual([]);
        expect(valid).toBe(true);
      }
    }
    // The catalogue above covered each error the product routes document (a guard against a case silently not running).
    for (const status of [200, 201, 204, 400, 401, 404, 413, 415, 422, 500, 503])
      expect(
        [...seen].some((entry) => entry.endsWith(` ${status}`)),
        String(status),
      ).toBe(true);
  });
});

describe('the API reference page (/docs)', () => {
  it('loads Swagger UI from the API itself, pointed at /openapi.json, with no outside address', async () => {
    const page = await (await api.app.request('/docs')).text();
    const assets = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/docs\//);
      const response = await api.app.request(asset);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    const init = await (await api.app.request('/docs/init.js')).text();
    expect(init).toContain("url: '/openapi.json'");
    expect((await api.app.request('/docs/package.json')).status).toBe(404);
    expect((await api.app.request('/docs/..%2Fpackage.json')).status).toBe(404);
  });
});
