import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../contract/product.js';
import { apiFixture, SEED, steppingClock, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeAll(async () => {
  api = await apiFixture(import.meta.url, { clock: steppingClock() });
});
afterAll(() => api?.close());

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function create(body: unknown = SEED): Promise<Product> {
  const response = await api.send('POST', '/api/product/', body);
  expect(response.status).toBe(201);
  return (await response.json()) as Product;
}

describe('product CRUD', () => {
  it("creates the seed's product with 201, a Location and the product as JSON", async () => {
    const response = await api.send('POST', '/api/product/', '{"nombre": "iPhone 15", "precio": 999.99, "talla": "L"}');

    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const product = (await response.json()) as Product;
    expect(product).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      nombre: 'iPhone 15',
      precio: 999.99,
      talla: 'L',
      createdAt: expect.stringMatching(iso),
      updatedAt: product.createdAt,
    });
    expect(response.headers.get('location')).toBe(`/api/product/${product.id}`);
    expect(await api.db.collection('products').countDocuments({ nombre: 'iPhone 15' })).toBeGreaterThan(0);
  });

  it('accepts the collection path without the trailing slash', async () => {
    const response = await api.send('POST', '/api/product', { nombre: 'Pixel 9', precio: 799, talla: 'M' });
    expect(response.status).toBe(201);
    const listed = await api.send('GET', '/api/product');
    expect(listed.status).toBe(200);
  });

  it('stores names trimmed and answers what it stored', async () => {
    const product = await create({ nombre: '  Galaxy S24 ', precio: 0, talla: ' XL ' });
    expect(product).toMatchObject({ nombre: 'Galaxy S24', precio: 0, talla: 'XL' });
    const stored = await api.send('GET', `/api/product/${product.id}`);
    expect(await stored.json()).toEqual(product);
  });

  it('reads one product by id, and 404s an unknown or malformed id', async () => {
    const product = await create();
    const found = await api.send('GET', `/api/product/${product.id}`);
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual(product);

    for (const id of ['ffffffffffffffffffffffff', 'not-an-id', product.id.toUpperCase().replace(/./, 'G')]) {
      const missing = await api.send('GET', `/api/product/${id}`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
      expect(await missing.json()).toMatchObject({ status: 404, title: 'Not Found' });
    }
  });

  it('replaces every field with PUT, keeping createdAt and moving updatedAt', async () => {
    const product = await create();
    const response = await api.send('PUT', `/api/product/${product.id}`, { nombre: 'iPhone 15 Pro', precio: 1199.5, talla: 'XL' });

    expect(response.status).toBe(200);
    const replaced = (await response.json()) as Product;
    expect(replaced).toMatchObject({ id: product.id, nombre: 'iPhone 15 Pro', precio: 1199.5, talla: 'XL', createdAt: product.createdAt });
    expect(Date.parse(replaced.updatedAt)).toBeGreaterThan(Date.parse(product.updatedAt));
    expect(await (await api.send('GET', `/api/product/${product.id}`)).json()).toEqual(replaced);
  });

  it('refuses a PUT that leaves a field out', async () => {
    const product = await create();
    const response = await api.send('PUT', `/api/product/${product.id}`, { nombre: 'only a name' });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path).sort()).toEqual(['precio', 'talla']);
    expect(await (await api.send('GET', `/api/product/${product.id}`)).json()).toEqual(product);
  });

  it('changes only the given fields with PATCH', async () => {
    const product = await create();
    const response = await api.send('PATCH', `/api/product/${product.id}`, { precio: 949.99 });

    expect(response.status).toBe(200);
    const patched = (await response.json()) as Product;
    expect(patched).toMatchObject({
      id: product.id,
      nombre: product.nombre,
      talla: product.talla,
      precio: 949.99,
      createdAt: product.createdAt,
    });
    expect(Date.parse(patched.updatedAt)).toBeGreaterThan(Date.parse(product.updatedAt));
  });

  it('deletes with 204, after which the product is gone', async () => {
    const product = await create();
    const response = await api.send('DELETE', `/api/product/${product.id}`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect((await api.send('GET', `/api/product/${product.id}`)).status).toBe(404);
    expect((await api.send('DELETE', `/api/product/${product.id}`)).status).toBe(404);
    expect((await api.send('PATCH', `/api/product/${product.id}`, { precio: 1 })).status).toBe(404);
    expect((await api.send('PUT', `/api/product/${product.id}`, SEED)).status).toBe(404);
  });

  it('lists products newest first', async () => {
    const first = await create({ nombre: 'older', precio: 1, talla: 'S' });
    const second = await create({ nombre: 'newer', precio: 2, talla: 'S' });
    const response = await api.send('GET', '/api/product/?limit=2');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Product[] };
    expect(body.items.map((item) => item.id)).toEqual([second.id, first.id]);
  });

  it('answers 405 with Allow for a method the path does not support', async () => {
    const response = await api.send('DELETE', '/api/product/');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
  });
});
