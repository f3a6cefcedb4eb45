import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type ApiServer } from '../../api/server.js';
import { sampleValue } from '../harness/prometheus-text.js';
import { apiFixture, SEED, type ApiFixture } from './api-fixture.js';

// Served by Node, the API reads request headers off the IncomingMessage and sets the headers of its
// answers on the ServerResponse (api/node-headers.ts); through app.request() it uses Hono's own. The
// answers must not tell the two apart: the same headers, with the same meaning, on every path.

let api: ApiFixture;
let server: ApiServer;
beforeAll(async () => {
  api = await apiFixture(import.meta.url);
  server = await listen(api.app, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server?.close(1_000);
  await api?.close();
});

const OURS = ['content-type', 'x-request-id', 'location', 'etag', 'idempotent-replayed', 'stream-position', 'allow', 'retry-after'];

/** The API's own headers of an answer (not Date, Connection and the like, which only a socket adds). */
function ownHeaders(response: Response): Record<string, string> {
  return Object.fromEntries(OURS.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)!]] : [])));
}

function overSocket(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, init);
}

function post(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the headers of answers served over a socket', () => {
  it('POST create: Location, ETag and the caller’s X-Request-Id, as app.request() answers', async () => {
    const viaSocket = await overSocket('/api/product/', post(SEED, { 'x-request-id': 'caller-id-1' }));
    expect(viaSocket.status).toBe(201);
    const product = (await viaSocket.json()) as { id: string };
    const headers = ownHeaders(viaSocket);
    expect(headers).toEqual({
      'content-type': 'application/json',
      'x-request-id': 'caller-id-1',
      location: `/api/product/${product.id}`,
      etag: expect.stringMatching(/^"[A-Za-z0-9_-]{27}"$/),
    });
    // The tag is the product's: GET through app.request() tags the same product the same way.
    const viaApp = await api.send('GET', `/api/product/${product.id}`);
    expect(viaApp.headers.get('etag')).toBe(headers.etag);

    const inProcess = await api.send('POST', '/api/product/', SEED, { 'x-request-id': 'caller-id-1' });
    expect(Object.keys(ownHeaders(inProcess)).sort()).toEqual(Object.keys(headers).sort());
  });

  it('GET one and GET list: ETag, Stream-Position and a fresh request id when the caller sent none', async () => {
    const created = (await (await overSocket('/api/product/', post(SEED))).json()) as { id: string };
    const one = await overSocket(`/api/product/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.headers.get('x-request-id')).toMatch(UUID);
    expect(one.headers.get('etag')).toBe((await api.send('GET', `/api/product/${created.id}`)).headers.get('etag'));

    const list = await overSocket('/api/product/?limit=5');
    const page = (await list.json()) as { position: string };
    expect(list.headers.get('stream-position')).toBe(page.position);
    expect(Object.keys(ownHeaders(list)).sort()).toEqual(['content-type', 'stream-position', 'x-request-id']);
  });

  it('replaces a request id that is too long or not plain, over a socket as in process', async () => {
    for (const given of ['has space', 'dot.ted', 'x'.repeat(256)]) {
      const viaSocket = await overSocket('/api/product/?limit=1', { headers: { 'x-request-id': given } });
      expect(viaSocket.headers.get('x-request-id')).toMatch(UUID);
      const viaApp = await api.send('GET', '/api/product/?limit=1', undefined, { 'x-request-id': given });
      expect(viaApp.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('a replayed POST says so, and the metrics count it, over a socket', async () => {
    const key = { 'idempotency-key': `served-headers-${Date.now()}` };
    const first = await overSocket('/api/product/', post(SEED, key));
    expect(first.status).toBe(201);
    expect(first.headers.has('idempotent-replayed')).toBe(false);
    const again = await overSocket('/api/product/', post(SEED, key));
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));

    const metrics = await (await overSocket('/metrics')).text();
    expect(sampleValue(metrics, 'api_idempotent_replays_total', {})).toBe(1);
  });

  it('an error answer carries the request id and no header of the success it did not reach', async () => {
    const missing = await overSocket('/api/product/ffffffffffffffffffffffff', { headers: { 'x-request-id': 'caller-id-2' } });
    expect(missing.status).toBe(404);
    expect(ownHeaders(missing)).toEqual({ 'content-type': 'application/problem+json', 'x-request-id': 'caller-id-2' });

    const invalid = await overSocket('/api/product/', post({ ...SEED, precio: -1 }, { 'x-request-id': 'caller-id-3' }));
    expect(invalid.status).toBe(400);
    expect(ownHeaders(invalid)).toEqual({ 'content-type': 'application/problem+json', 'x-request-id': 'caller-id-3' });

    const wrongMethod = await overSocket('/api/product/', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });
});
