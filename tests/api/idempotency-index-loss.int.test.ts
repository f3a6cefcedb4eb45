import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_COLLECTION } from '../../api/idempotency-store.js';
import type { Product } from '../../contract/product.js';
import { apiFixture, type ApiFixture } from './api-fixture.js';

// Idempotency must not depend on a secondary index being there by luck: a restore without indexes,
// a dropped collection or a MongoDB that lost them must not turn retries into duplicates.

let api: ApiFixture;
beforeAll(async () => {
  api = await apiFixture(import.meta.url);
});
afterAll(() => api?.close());

const count = (nombre: string) => api.db.collection('products').countDocuments({ nombre });
const post = (nombre: string, key: string) =>
  api.send('POST', '/api/product/', { nombre, precio: 1, talla: 'M' }, { 'idempotency-key': key });

describe('Idempotency-Key without its index', () => {
  it('answers retries with the first product after the idempotency indexes were dropped', async () => {
    const first = await post('kept after index loss', 'index-loss-1');
    expect(first.status).toBe(201);
    const product = (await first.json()) as Product;
    await api.db.collection(IDEMPOTENCY_COLLECTION).dropIndexes();

    const retries = await Promise.all(Array.from({ length: 20 }, () => post('kept after index loss', 'index-loss-1')));
    expect(retries.map((response) => response.status)).toEqual(Array(20).fill(201));
    for (const retry of retries) expect(((await retry.json()) as Product).id).toBe(product.id);
    expect(await count('kept after index loss')).toBe(1);
  });

  it('creates one product for 30 concurrent first requests with one key once the collection was recreated without indexes', async () => {
    await api.db
      .collection(IDEMPOTENCY_COLLECTION)
      .drop()
      .catch(() => undefined);
    await api.db.createCollection(IDEMPOTENCY_COLLECTION);

    const answers = await Promise.all(Array.from({ length: 30 }, () => post('one of thirty', 'index-loss-2')));
    expect(answers.map((response) => response.status)).toEqual(Array(30).fill(201));
    const ids = new Set(await Promise.all(answers.map(async (answer) => ((await answer.json()) as Product).id)));
    expect(ids.size).toBe(1);
    expect(await count('one of thirty')).toBe(1);
  });
});
