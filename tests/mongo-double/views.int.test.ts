// Read-only views as MongoDB evaluates them: find, count, distinct and aggregate see the view's
// pipeline over its source, as it is now; writes, indexes and change streams on a view are
// CommandNotSupportedOnView (166); listCollections shows the view as one.
import type { Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, testDatabaseName } from '../harness/mongo.js';

describe('views through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);

  beforeAll(async () => {
    client = await connectClient();
    const db = client.db(dbName);
    await db.collection('products').insertMany([
      { _id: 1, nombre: 'a', precio: 5, talla: 'S' },
      { _id: 2, nombre: 'b', precio: 15, talla: 'M' },
      { _id: 3, nombre: 'c', precio: 25, talla: 'M' },
    ] as Document[]);
    await db.createCollection('caros', {
      viewOn: 'products',
      pipeline: [{ $match: { precio: { $gte: 10 } } }, { $project: { precio: 0 } }],
    });
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it("answers find, count, distinct and aggregate with the view's pipeline over its source", async () => {
    const view = client.db(dbName).collection('caros');
    expect(await view.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 2, nombre: 'b', talla: 'M' },
      { _id: 3, nombre: 'c', talla: 'M' },
    ]);
    expect(await view.find({ nombre: 'c' }).toArray()).toEqual([{ _id: 3, nombre: 'c', talla: 'M' }]);
    expect(await view.countDocuments({ talla: 'M' })).toBe(2);
    expect(await view.distinct('talla')).toEqual(['M']);
    expect(await view.aggregate([{ $group: { _id: '$talla', n: { $sum: 1 } } }]).toArray()).toEqual([{ _id: 'M', n: 2 }]);
  });

  it('follows writes to its source, and views on views', async () => {
    const db = client.db(dbName);
    await db.createCollection('caros_m', { viewOn: 'caros', pipeline: [{ $match: { talla: 'M' } }] });
    await db.collection('products').insertOne({ _id: 4, nombre: 'd', precio: 50, talla: 'M' } as Document);
    expect((await db.collection('caros_m').find().sort({ _id: 1 }).toArray()).map((doc) => doc._id)).toEqual([2, 3, 4]);
    await db.collection('products').deleteOne({ _id: 4 } as Document);
  });

  it('is listed as a read-only view with its definition', async () => {
    const [info] = await client.db(dbName).listCollections({ name: 'caros' }).toArray();
    expect(info).toMatchObject({
      name: 'caros',
      type: 'view',
      options: { viewOn: 'products', pipeline: [{ $match: { precio: { $gte: 10 } } }, { $project: { precio: 0 } }] },
      info: { readOnly: true },
    });
  });

  it('refuses writes, indexes and change streams on a view with CommandNotSupportedOnView (166)', async () => {
    const view = client.db(dbName).collection('caros');
    const refused = { code: 166, codeName: 'CommandNotSupportedOnView' };
    await expect(view.insertOne({ nombre: 'x' })).rejects.toMatchObject(refused);
    await expect(view.updateOne({}, { $set: { x: 1 } })).rejects.toMatchObject(refused);
    await expect(view.deleteMany({})).rejects.toMatchObject(refused);
    await expect(view.createIndex({ nombre: 1 })).rejects.toMatchObject(refused);
    const stream = view.watch();
    await expect(stream.tryNext()).rejects.toMatchObject(refused);
    await stream.close();
    expect(await client.db(dbName).collection('products').countDocuments()).toBe(3);
  });
});
