import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productInput } from '../../contract/product.js';
import { apiFixture, SEED, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeAll(async () => {
  api = await apiFixture(import.meta.url);
});
afterAll(() => api?.close());

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { path: string; message: string }[];
}

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as Problem;
}

describe('product validation', () => {
  it.each([
    ['nombre of 200 characters', { nombre: 'n'.repeat(200) }],
    ['talla of 16 characters', { talla: 't'.repeat(16) }],
    ['precio 0', { precio: 0 }],
    ['integer precio', { precio: 1500 }],
    ['precio with one decimal', { precio: 19.9 }],
    ['precio 0.07', { precio: 0.07 }],
    ['a large precio with cents', { precio: 123456789.99 }],
    ['non-ASCII nombre', { nombre: 'Teléfono 📱' }],
  ])('accepts %s', async (_name, change) => {
    const response = await api.send('POST', '/api/product/', { ...SEED, ...change });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject(change);
  });

  it.each([
    ['nombre', { nombre: '' }],
    ['nombre', { nombre: '   ' }],
    ['nombre', { nombre: 'n'.repeat(201) }],
    ['nombre', { nombre: 7 }],
    ['precio', { precio: -0.01 }],
    ['precio', { precio: 1.001 }],
    ['precio', { precio: 0.1 + 0.2 }],
    ['precio', { precio: '10' }],
    ['precio', { precio: null }],
    ['talla', { talla: '' }],
    ['talla', { talla: 't'.repeat(17) }],
    ['talla', { talla: ['L'] }],
    ['stock', { stock: 3 }],
    ['$where', { $where: 'sleep(1000)' }],
    // JSON.stringify sends these as \ud800 escapes, which parse back to unpaired surrogates.
    ['nombre', { nombre: 'a\ud800b' }],
    ['talla', { talla: '\udc00' }],
  ])('refuses an invalid %s with a 400 naming it', async (path, change) => {
    const response = await api.send('POST', '/api/product/', { ...SEED, ...change });
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem).toMatchObject({ type: 'urn:mongo-live-relay:problem:validation-failed', status: 400, instance: '/api/product/' });
    expect(problem.errors).toEqual([{ path, message: expect.any(String) }]);
  });

  it('stores text exactly as it answered it, emoji included, and refuses what MongoDB could not store', async () => {
    const created = await api.send('POST', '/api/product/', { ...SEED, nombre: 'Camiseta 👕 \u00e9' });
    expect(created.status).toBe(201);
    const product = (await created.json()) as { id: string; nombre: string };
    const read = await api.send('GET', `/api/product/${product.id}`);
    expect(await read.json()).toMatchObject({ nombre: 'Camiseta 👕 é' });
    expect(read.headers.get('etag')).toBe(created.headers.get('etag'));

    const patch = await api.send('PATCH', `/api/product/${product.id}`, { nombre: 'half a pair \ud83d' });
    expect(patch.status).toBe(400);
    expect((await problemOf(patch)).errors).toEqual([{ path: 'nombre', message: expect.stringMatching(/Unicode/) }]);
    expect(await (await api.send('GET', `/api/product/${product.id}`)).json()).toMatchObject({ nombre: 'Camiseta 👕 é' });
  });

  it('lists every invalid field at once', async () => {
    const response = await api.send('POST', '/api/product/', { nombre: '', precio: -1, talla: 'x'.repeat(20), color: 'red', $set: {} });
    const problem = await problemOf(response);
    expect(response.status).toBe(400);
    expect(problem.errors?.map((error) => error.path).sort()).toEqual(['$set', 'color', 'nombre', 'precio', 'talla']);
    expect(problem.detail).toMatch(/5 invalid fields/);
  });

  it('names missing fields', async () => {
    const response = await api.send('POST', '/api/product/', {});
    const problem = await problemOf(response);
    expect(problem.errors?.map((error) => error.path).sort()).toEqual(['nombre', 'precio', 'talla']);
  });

  it('refuses an empty PATCH and an unknown PATCH field', async () => {
    const created = (await (await api.send('POST', '/api/product/', SEED)).json()) as { id: string };
    const empty = await api.send('PATCH', `/api/product/${created.id}`, {});
    expect(empty.status).toBe(400);
    expect((await problemOf(empty)).errors?.[0]?.message).toMatch(/at least one field/);
    const unknown = await api.send('PATCH', `/api/product/${created.id}`, { precio: 5, stock: 1 });
    expect(unknown.status).toBe(400);
    expect((await problemOf(unknown)).errors).toEqual([{ path: 'stock', message: 'unknown field' }]);
  });

  it('answers malformed JSON with 400, a non-JSON body with 415 and an oversized one with 413', async () => {
    const malformed = await api.send('POST', '/api/product/', '{"nombre": "iPhone 15",');
    expect(malformed.status).toBe(400);
    expect(await problemOf(malformed)).toMatchObject({ type: 'urn:mongo-live-relay:problem:malformed-json', status: 400 });

    const text = await api.app.request('/api/product/', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(SEED),
    });
    expect(text.status).toBe(415);
    expect(await problemOf(text)).toMatchObject({ status: 415 });

    const large = await api.send('POST', '/api/product/', { ...SEED, nombre: 'n'.repeat(16 * 1024) });
    expect(large.status).toBe(413);
    expect(await problemOf(large)).toMatchObject({ status: 413 });
  });

  it('accepts JSON with a UTF-8 charset or a +json media type', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/merge-patch+json']) {
      const response = await api.app.request('/api/product/', {
        method: 'POST',
        headers: { 'content-type': type },
        body: JSON.stringify(SEED),
      });
      expect(response.status).toBe(201);
    }
  });

  it('keeps prices to the exact two-decimal number they denote', () => {
    for (const precio of [0, 0.01, 0.07, 0.1, 0.29, 1.1, 999.99, 1e9 + 0.99, 2 ** 40, 1e21]) {
      expect(productInput.safeParse({ ...SEED, precio }).success).toBe(true);
    }
    for (const precio of [0.001, 1.005, 0.30000000000000004, 1e-7, 5e-7, 12.345, Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      expect(productInput.safeParse({ ...SEED, precio }).success).toBe(false);
    }
  });
});
