import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import type { Product } from '../../contract/product.js';
import { silentLogger } from '../../common/logger.js';
import { apiFixture, type ApiFixture } from './api-fixture.js';

// Optimistic concurrency: every product answer carries an ETag, and a write with If-Match applies
// only to the product as the client read it (412 otherwise). Before, 184 of 200 concurrent
// read-modify-write PUTs were silently lost.

let api: ApiFixture;
beforeAll(async () => {
  api = await apiFixture(import.meta.url);
});
afterAll(() => api?.close());

async function create(nombre: string, precio = 0): Promise<{ product: Product; etag: string }> {
  const response = await api.send('POST', '/api/product/', { nombre, precio, talla: 'M' });
  expect(response.status).toBe(201);
  return { product: (await response.json()) as Product, etag: response.headers.get('etag')! };
}

describe('ETag and If-Match on products', () => {
  it('tags every product answer, and the tag changes with each write', async () => {
    const { product, etag } = await create('tagged');
    expect(etag).toMatch(/^"[^"]+"$/);
    const read = await api.send('GET', `/api/product/${product.id}`);
    expect(read.headers.get('etag')).toBe(etag);
    const patched = await api.send('PATCH', `/api/product/${product.id}`, { precio: 2 }, { 'if-match': etag });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).not.toBe(etag);
    expect((await api.send('GET', `/api/product/${product.id}`)).headers.get('etag')).toBe(patched.headers.get('etag'));
  });

  it('refuses PUT, PATCH and DELETE with a stale If-Match with 412 and changes nothing', async () => {
    const { product, etag: stale } = await create('contested', 1);
    const first = await api.send(
      'PUT',
      `/api/product/${product.id}`,
      { nombre: 'contested', precio: 2, talla: 'M' },
      { 'if-match': stale },
    );
    expect(first.status).toBe(200);
    for (const [method, body] of [
      ['PUT', { nombre: 'lost', precio: 3, talla: 'S' }],
      ['PATCH', { precio: 4 }],
      ['DELETE', undefined],
    ] as const) {
      const late = await api.send(method, `/api/product/${product.id}`, body, { 'if-match': stale });
      expect(late.status).toBe(412);
      expect(late.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await (await api.send('GET', `/api/product/${product.id}`)).json()).toMatchObject({ nombre: 'contested', precio: 2 });
  });

  it('loses no update when 12 clients increment one price concurrently with If-Match, retrying on 412', async () => {
    const { product } = await create('counter', 0);
    const increment = async () => {
      for (;;) {
        const read = await api.send('GET', `/api/product/${product.id}`);
        const current = (await read.json()) as Product;
        const write = await api.send(
          'PUT',
          `/api/product/${product.id}`,
          { nombre: 'counter', precio: current.precio + 1, talla: 'M' },
          { 'if-match': read.headers.get('etag')! },
        );
        if (write.status === 200) return;
        expect(write.status).toBe(412);
      }
    };
    await Promise.all(Array.from({ length: 12 }, increment));
    expect(((await (await api.send('GET', `/api/product/${product.id}`)).json()) as Product).precio).toBe(12);
  }, 60_000);

  it('answers If-Match on a missing product with 412, and a malformed If-Match with 400', async () => {
    const { product, etag } = await create('gone');
    expect((await api.send('DELETE', `/api/product/${product.id}`, undefined, { 'if-match': etag })).status).toBe(204);
    expect((await api.send('PATCH', `/api/product/${product.id}`, { precio: 1 }, { 'if-match': etag })).status).toBe(412);
    const { product: other } = await create('malformed');
    expect((await api.send('PATCH', `/api/product/${other.id}`, { precio: 1 }, { 'if-match': 'W/"weak"' })).status).toBe(400);
  });

  it('still accepts writes without If-Match by default, and answers 428 when they are required', async () => {
    const { product } = await create('unconditional');
    expect((await api.send('PATCH', `/api/product/${product.id}`, { precio: 5 })).status).toBe(200);
    const strict = createApp({ db: api.db, logger: silentLogger(), requireIfMatch: true });
    const refused = await strict.request(`/api/product/${product.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"precio":6}',
    });
    expect(refused.status).toBe(428);
  });
});
