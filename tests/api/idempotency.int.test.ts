import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../contract/product.js';
import { apiFixture, SEED, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeAll(async () => {
  api = await apiFixture(import.meta.url);
});
afterAll(() => api?.close());

const count = (filter: object) => api.db.collection('products').countDocuments(filter);

describe('Idempotency-Key on POST', () => {
  it('answers a retry with the same key and body with the first product and creates nothing more', async () => {
    const body = { nombre: 'retry me', precio: 10, talla: 'M' };
    const first = await api.send('POST', '/api/product/', body, { 'idempotency-key': 'key-1' });
    expect(first.status).toBe(201);
    const product = (await first.json()) as Product;

    // Same body, other key order and spacing: the same request.
    const retry = await api.send('POST', '/api/product/', '{ "talla": "M", "precio": 10, "nombre": " retry me " }', {
      'idempotency-key': 'key-1',
    });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(`/api/product/${product.id}`);
    expect(await retry.json()).toEqual(product);
    expect(await count({ nombre: 'retry me' })).toBe(1);
  });

  it('refuses the same key with another body with 422 and creates nothing', async () => {
    await api.send('POST', '/api/product/', { nombre: 'first body', precio: 1, talla: 'S' }, { 'idempotency-key': 'key-2' });
    const other = await api.send('POST', '/api/product/', { nombre: 'second body', precio: 1, talla: 'S' }, { 'idempotency-key': 'key-2' });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    expect(await other.json()).toMatchObject({ status: 422, type: 'urn:mongo-live-relay:problem:idempotency-key-reused' });
    expect(await count({ nombre: 'second body' })).toBe(0);
  });

  it('creates one product when the same request races itself', async () => {
    const body = { nombre: 'racing', precio: 3.5, talla: 'L' };
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => api.send('POST', '/api/product/', body, { 'idempotency-key': 'key-race' })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(201));
    const ids = new Set(await Promise.all(responses.map(async (response) => ((await response.json()) as Product).id)));
    expect(ids.size).toBe(1);
    expect(await count({ nombre: 'racing' })).toBe(1);
  });

  it('keeps keys apart: another key creates another product', async () => {
    const a = (await (await api.send('POST', '/api/product/', SEED, { 'idempotency-key': 'key-a' })).json()) as Product;
    const b = (await (await api.send('POST', '/api/product/', SEED, { 'idempotency-key': 'key-b' })).json()) as Product;
    expect(a.id).not.toBe(b.id);
  });

  it('still answers with the first product after that product changed', async () => {
    const first = (await (
      await api.send('POST', '/api/product/', { nombre: 'will change', precio: 1, talla: 'S' }, { 'idempotency-key': 'key-3' })
    ).json()) as Product;
    await api.send('PATCH', `/api/product/${first.id}`, { precio: 2 });
    const retry = await api.send('POST', '/api/product/', { nombre: 'will change', precio: 1, talla: 'S' }, { 'idempotency-key': 'key-3' });
    expect(await retry.json()).toEqual(first);
    expect(await count({ nombre: 'will change' })).toBe(1);
  });

  it('finishes a create whose first attempt claimed the key and stopped before inserting', async () => {
    // What a crash between the claim and the insert leaves behind: a record without a product.
    const productId = new ObjectId();
    const body = { nombre: 'interrupted', precio: 4, talla: 'S' };
    const first = await api.send('POST', '/api/product/', body, { 'idempotency-key': 'key-probe' });
    const records = api.db.collection<{ _id: string; [field: string]: unknown }>('idempotency_keys');
    const probe = (await records.findOne({ _id: 'key-probe' }))!;
    await records.insertOne({ _id: 'key-crashed', key: 'key-crashed', requestHash: probe.requestHash, productId, createdAt: new Date() });
    await api.send('DELETE', `/api/product/${((await first.json()) as Product).id}`);

    const retry = await api.send('POST', '/api/product/', body, { 'idempotency-key': 'key-crashed' });
    expect(retry.status).toBe(201);
    expect(((await retry.json()) as Product).id).toBe(productId.toHexString());
    expect(await count({ nombre: 'interrupted' })).toBe(1);
    const again = await api.send('POST', '/api/product/', body, { 'idempotency-key': 'key-crashed' });
    expect(((await again.json()) as Product).id).toBe(productId.toHexString());
    expect(await count({ nombre: 'interrupted' })).toBe(1);
  });

  it('honours a record of the older format (key in `key`, an ObjectId _id, unique index on key) for its 24 hours', async () => {
    // What a deployment from before keys became _ids still holds: a first attempt that claimed its key
    // and stopped before inserting, and a finished one.
    const records = api.db.collection<{ _id: string | ObjectId; [field: string]: unknown }>('idempotency_keys');
    await records.createIndex({ key: 1 }, { unique: true, name: 'key_1' });
    const body = { nombre: 'older format', precio: 6, talla: 'S' };
    const probe = await api.send('POST', '/api/product/', body, { 'idempotency-key': 'key-older-probe' });
    const { requestHash } = (await records.findOne({ _id: 'key-older-probe' }))!;
    await api.send('DELETE', `/api/product/${((await probe.json()) as Product).id}`);
    const productId = new ObjectId();
    await records.insertOne({ _id: new ObjectId(), key: 'key-older', requestHash, productId, createdAt: new Date() });

    const retry = await api.send('POST', '/api/product/', body, { 'idempotency-key': 'key-older' });
    expect(retry.status).toBe(201);
    expect(((await retry.json()) as Product).id).toBe(productId.toHexString());
    expect(await records.findOne({ key: 'key-older' })).toMatchObject({ product: { id: productId.toHexString() } });
    const again = await api.send('POST', '/api/product/', body, { 'idempotency-key': 'key-older' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as Product).id).toBe(productId.toHexString());
    expect(await count({ nombre: 'older format' })).toBe(1);
    await records.dropIndex('key_1');
  });

  it("keeps each key in MongoDB as its record's _id, forgotten by a TTL index", async () => {
    await api.send('POST', '/api/product/', { nombre: 'stored key', precio: 2, talla: 'S' }, { 'idempotency-key': 'key-stored' });
    const records = api.db.collection<{ _id: string; [field: string]: unknown }>('idempotency_keys');
    expect(await records.findOne({ _id: 'key-stored' })).toMatchObject({ key: 'key-stored', product: { nombre: 'stored key' } });
    const indexes = await records.indexes();
    expect(indexes.find((index) => index.name === 'createdAt_1')).toMatchObject({ expireAfterSeconds: 86_400 });
  });

  it('does not remember a key for a request that failed validation', async () => {
    const invalid = await api.send('POST', '/api/product/', { nombre: '' }, { 'idempotency-key': 'key-invalid' });
    expect(invalid.status).toBe(400);
    const valid = await api.send('POST', '/api/product/', SEED, { 'idempotency-key': 'key-invalid' });
    expect(valid.status).toBe(201);
  });

  it('refuses a malformed key', async () => {
    const response = await api.send('POST', '/api/product/', SEED, { 'idempotency-key': 'k'.repeat(256) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ path: 'header.Idempotency-Key' }] });
  });
});
