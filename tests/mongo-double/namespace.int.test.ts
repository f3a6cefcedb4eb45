import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, mongoUrl, testDatabaseName } from '../harness/mongo.js';

describe('databases, collections, indexes and server commands through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('is seen by the driver as the writable primary of a replica set', async () => {
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello.isWritablePrimary).toBe(true);
    expect(typeof hello.setName).toBe('string');
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(21);
    expect(hello.logicalSessionTimeoutMinutes).toBeGreaterThan(0);
    const watched = new MongoClient(mongoUrl(), { serverSelectionTimeoutMS: 10_000 });
    const types: string[] = [];
    watched.on('serverDescriptionChanged', (event) => types.push(event.newDescription.type));
    await watched.connect();
    await watched.close();
    expect(types).toContain('RSPrimary');
  });

  it('answers ping and buildInfo', async () => {
    expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
    const info = await client.db('admin').command({ buildInfo: 1 });
    expect(info.version).toMatch(/^\d+\.\d+/);
  });

  it('answers an unknown command with CommandNotFound (59)', async () => {
    const failure = await client
      .db(dbName)
      .command({ noSuchCommandHere: 1 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MongoServerError);
    expect(failure).toMatchObject({ code: 59, codeName: 'CommandNotFound' });
  });

  it('enforces a unique index with a duplicate-key error naming the key', async () => {
    const products = client.db(dbName).collection('unique');
    await products.createIndex({ sku: 1 }, { unique: true, name: 'sku_unique' });
    await products.insertOne({ sku: 'A1' });
    const failure = await products.insertOne({ sku: 'A1' }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 11000, keyPattern: { sku: 1 }, keyValue: { sku: 'A1' } });
    const duplicateUpdate = await products
      .insertOne({ sku: 'B2' })
      .then(() => products.updateOne({ sku: 'B2' }, { $set: { sku: 'A1' } }))
      .catch((error: unknown) => error);
    expect(duplicateUpdate).toMatchObject({ code: 11000 });
    expect(await products.countDocuments()).toBe(2);
  });

  it('refuses a unique index over documents that already collide', async () => {
    const products = client.db(dbName).collection('collide');
    await products.insertMany([{ sku: 'X' }, { sku: 'X' }]);
    await expect(products.createIndex({ sku: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
  });

  it('enforces a unique partial index only among the documents its filter matches', async () => {
    const products = client.db(dbName).collection('partial');
    await products.createIndex({ sku: 1 }, { unique: true, partialFilterExpression: { activo: true } });
    await products.insertMany([
      { sku: 'P', activo: false },
      { sku: 'P', activo: false },
      { sku: 'P', activo: true },
    ]);
    await expect(products.insertOne({ sku: 'P', activo: true })).rejects.toMatchObject({ code: 11000 });
    expect(await products.countDocuments({ sku: 'P' })).toBe(3);
  });

  it('reports an unordered insert batch that partly fails', async () => {
    const products = client.db(dbName).collection('unique');
    const failure = await products
      .insertMany([{ sku: 'C3' }, { sku: 'A1' }, { sku: 'D4' }], { ordered: false })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 11000 });
    expect(await products.countDocuments({ sku: { $in: ['C3', 'D4'] } })).toBe(2);
  });

  it('lists indexes and collections', async () => {
    const indexes = await client.db(dbName).collection('unique').listIndexes().toArray();
    expect(indexes.map((index) => index.name).sort()).toEqual(['_id_', 'sku_unique']);
    expect(indexes.find((index) => index.name === 'sku_unique')).toMatchObject({ key: { sku: 1 }, unique: true });
    const names = (await client.db(dbName).listCollections({}, { nameOnly: true }).toArray()).map((info) => info.name);
    expect(names).toEqual(expect.arrayContaining(['unique', 'collide']));
    await expect(client.db(dbName).collection('nope').listIndexes().toArray()).rejects.toMatchObject({ code: 26 });
  });

  it('drops an index by name or by key', async () => {
    const items = client.db(dbName).collection('drop_index');
    await items.createIndex({ a: 1 }, { name: 'a_1' });
    await items.createIndex({ b: -1 });
    await items.dropIndex('a_1');
    await client.db(dbName).command({ dropIndexes: 'drop_index', index: { b: -1 } });
    expect((await items.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_']);
    await expect(items.dropIndex('nope_1')).rejects.toMatchObject({ code: 27 });
  });

  it('creates a collection (again only with the same options) and drops it', async () => {
    const db = client.db(dbName);
    await db.createCollection('created');
    await db.createCollection('created');
    await expect(db.createCollection('created', { validator: { nombre: { $exists: true } } })).rejects.toMatchObject({ code: 48 });
    expect((await db.listCollections({ name: 'created' }).toArray()).length).toBe(1);
    expect(await db.collection('created').drop()).toBe(true);
    expect((await db.listCollections({ name: 'created' }).toArray()).length).toBe(0);
  });

  it('drops a whole database', async () => {
    const other = client.db(`${dbName}_x`);
    await other.collection('a').insertOne({ a: 1 });
    expect(await other.dropDatabase()).toBe(true);
    expect(await other.listCollections().toArray()).toEqual([]);
  });
});
