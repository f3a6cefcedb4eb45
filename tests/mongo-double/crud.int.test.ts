import { Long, ObjectId, type Collection, type MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, testDatabaseName } from '../harness/mongo.js';

describe('CRUD through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);
  const collection = (name: string): Collection => client.db(dbName).collection(name);

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('inserts documents and finds them by filter, sort, skip, limit and projection', async () => {
    const products = collection('find');
    const { insertedIds } = await products.insertMany([
      { nombre: 'a', precio: 3, talla: 'S' },
      { nombre: 'b', precio: 1, talla: 'M' },
      { nombre: 'c', precio: 2, talla: 'M' },
      { nombre: 'd', precio: 5, talla: 'L' },
    ]);
    expect(Object.values(insertedIds).every((id) => id instanceof ObjectId)).toBe(true);
    expect(await products.find({ talla: 'M' }).sort({ precio: -1 }).toArray()).toMatchObject([{ nombre: 'c' }, { nombre: 'b' }]);
    expect(
      await products
        .find({ precio: { $gte: 2 } })
        .sort({ precio: 1 })
        .skip(1)
        .limit(2)
        .toArray(),
    ).toMatchObject([{ nombre: 'a' }, { nombre: 'd' }]);
    const projected = await products.findOne({ nombre: 'a' }, { projection: { _id: 0, precio: 1 } });
    expect(projected).toEqual({ precio: 3 });
    expect(await products.findOne({ _id: insertedIds[1] })).toMatchObject({ nombre: 'b' });
  });

  it('applies every condition of a filter that names an _id, whatever its numeric type', async () => {
    const docs = collection('by-id');
    await docs.insertMany([
      { _id: 1, a: 1, tags: ['x'] },
      { _id: 2, a: 2 },
    ] as never[]);
    expect(await docs.find({ _id: 1, a: 1 } as never).toArray()).toEqual([{ _id: 1, a: 1, tags: ['x'] }]);
    expect(await docs.find({ _id: 1, a: 2 } as never).toArray()).toEqual([]);
    expect(await docs.find({ _id: Long.fromNumber(1), tags: 'x' } as never).toArray()).toHaveLength(1);
    expect(await docs.find({ _id: 1.0, $or: [{ a: 5 }, { tags: 'x' }] } as never).toArray()).toHaveLength(1);
    expect((await docs.updateOne({ _id: 2, b: { $exists: false } } as never, { $set: { b: 1 } })).matchedCount).toBe(1);
    expect((await docs.updateOne({ _id: 2, b: { $exists: false } } as never, { $set: { b: 2 } })).matchedCount).toBe(0);
    expect((await docs.deleteOne({ _id: 2, a: 3 } as never)).deletedCount).toBe(0);
    expect(await docs.countDocuments({ _id: 2, b: 1 } as never)).toBe(1);
  });

  it('pages a large result across getMore batches', async () => {
    const numbers = collection('paging');
    await numbers.insertMany(Array.from({ length: 250 }, (_, n) => ({ n })));
    const seen: number[] = [];
    for await (const doc of numbers.find({}, { batchSize: 30 }).sort({ n: 1 })) seen.push(doc.n as number);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, n) => n));
    const firstTwo = await numbers.find({}).sort({ n: 1 }).batchSize(2).limit(5).toArray();
    expect(firstTwo.map((doc) => doc.n)).toEqual([0, 1, 2, 3, 4]);
  });

  it('kills a cursor so that a later getMore on it fails with CursorNotFound', async () => {
    const db = client.db(dbName);
    const found = await db.command({ find: 'paging', filter: {}, batchSize: 2 });
    const id: unknown = found.cursor.id;
    expect(found.cursor.firstBatch).toHaveLength(2);
    const killed = await db.command({ killCursors: 'paging', cursors: [id] });
    expect(killed.cursorsKilled).toEqual([id]);
    await expect(db.command({ getMore: id, collection: 'paging' })).rejects.toMatchObject({ code: 43 });
  });

  it('updates with operators, multi and upsert', async () => {
    const items = client
      .db(dbName)
      .collection<{ k: number; n: number; tags?: string[]; talla?: string; seen?: boolean; created?: boolean }>('update');
    await items.insertMany([
      { k: 1, tags: ['x'], n: 1 },
      { k: 1, n: 2 },
      { k: 2, n: 3 },
    ]);
    const one = await items.updateOne({ k: 1 }, { $inc: { n: 10 }, $push: { tags: 'y' } });
    expect(one).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    const many = await items.updateMany({ k: 1 }, { $set: { seen: true } });
    expect(many).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    const noop = await items.updateOne({ k: 2 }, { $set: { n: 3 } });
    expect(noop).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    const upsert = await items.updateOne({ k: 9, talla: 'L' }, { $set: { n: 0 }, $setOnInsert: { created: true } }, { upsert: true });
    expect(upsert.upsertedCount).toBe(1);
    expect(await items.findOne({ _id: upsert.upsertedId! })).toMatchObject({ k: 9, talla: 'L', n: 0, created: true });
    const again = await items.updateOne({ k: 9 }, { $set: { n: 1 }, $setOnInsert: { created: false } }, { upsert: true });
    expect(again).toMatchObject({ matchedCount: 1, upsertedCount: 0 });
    expect(await items.findOne({ k: 9 })).toMatchObject({ n: 1, created: true });
    expect(await items.findOne({ k: 1, tags: 'y' })).toMatchObject({ n: 11, tags: ['x', 'y'], seen: true });
  });

  it('updates array elements by position, array filters, and $push modifiers', async () => {
    const items = client.db(dbName).collection<{ k: number; sizes: number[]; rows: Array<{ x: number }> }>('arrays');
    await items.insertOne({ k: 1, sizes: [1, 2, 3], rows: [{ x: 1 }, { x: 2 }] });
    await items.updateOne({ k: 1, sizes: 2 }, { $set: { 'sizes.$': 20 } });
    await items.updateOne({ k: 1 }, { $set: { 'rows.$[row].x': 9 } }, { arrayFilters: [{ 'row.x': 2 }] });
    await items.updateOne({ k: 1 }, { $push: { sizes: { $each: [5, 4], $sort: -1, $slice: 3 } } });
    expect(await items.findOne({ k: 1 }, { projection: { _id: 0 } })).toEqual({ k: 1, sizes: [20, 5, 4], rows: [{ x: 1 }, { x: 9 }] });
  });

  it('replaces a document, keeping its _id, and rejects changing the _id', async () => {
    const items = collection('replace');
    const { insertedId } = await items.insertOne({ nombre: 'old', precio: 1 });
    await items.replaceOne({ _id: insertedId }, { nombre: 'new' });
    expect(await items.findOne({ _id: insertedId })).toEqual({ _id: insertedId, nombre: 'new' });
    await expect(items.updateOne({ _id: insertedId }, { $set: { _id: new ObjectId() } })).rejects.toMatchObject({ code: 66 });
  });

  it('deletes one or many documents', async () => {
    const items = collection('delete');
    await items.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }]);
    expect((await items.deleteOne({ k: 1 })).deletedCount).toBe(1);
    expect((await items.deleteMany({ k: 1 })).deletedCount).toBe(2);
    expect((await items.deleteMany({ k: 3 })).deletedCount).toBe(0);
    expect(await items.countDocuments()).toBe(1);
  });

  it('finds and modifies one document, returning it before or after', async () => {
    const items = collection('find_and_modify');
    await items.insertMany([
      { k: 'a', n: 1 },
      { k: 'b', n: 2 },
    ]);
    expect(await items.findOneAndUpdate({ k: 'a' }, { $inc: { n: 1 } })).toMatchObject({ k: 'a', n: 1 });
    expect(await items.findOneAndUpdate({ k: 'a' }, { $inc: { n: 1 } }, { returnDocument: 'after' })).toMatchObject({ n: 3 });
    expect(
      await items.findOneAndReplace({ k: 'b' }, { k: 'b', replaced: true }, { returnDocument: 'after', projection: { _id: 0 } }),
    ).toEqual({ k: 'b', replaced: true });
    expect(await items.findOneAndDelete({ k: 'b' })).toMatchObject({ replaced: true });
    expect(await items.findOneAndUpdate({ k: 'z' }, { $set: { n: 0 } })).toBeNull();
    expect(await items.findOneAndUpdate({ k: 'z' }, { $set: { n: 0 } }, { upsert: true, returnDocument: 'after' })).toMatchObject({
      k: 'z',
      n: 0,
    });
  });

  it('counts, estimates and lists distinct values', async () => {
    const items = collection('count');
    await items.insertMany([{ talla: 'S', tags: ['a', 'b'] }, { talla: 'M', tags: ['b'] }, { talla: 'M' }]);
    expect(await items.countDocuments({ talla: 'M' })).toBe(2);
    expect(await items.countDocuments({}, { limit: 2 })).toBe(2);
    expect(await items.estimatedDocumentCount()).toBe(3);
    expect((await items.distinct('talla')).sort()).toEqual(['M', 'S']);
    expect((await items.distinct('tags')).sort()).toEqual(['a', 'b']);
    expect(await collection('missing').countDocuments()).toBe(0);
  });

  it('runs aggregation pipelines', async () => {
    const items = collection('aggregate');
    await items.insertMany([
      { talla: 'S', precio: 1 },
      { talla: 'M', precio: 2 },
      { talla: 'M', precio: 4 },
    ]);
    const groups = await items.aggregate([{ $group: { _id: '$talla', total: { $sum: '$precio' } } }, { $sort: { _id: 1 } }]).toArray();
    expect(groups).toEqual([
      { _id: 'M', total: 6 },
      { _id: 'S', total: 1 },
    ]);
  });

  it('answers a query with an unknown operator with an error, and keeps serving', async () => {
    const items = collection('aggregate');
    await expect(items.find({ precio: { $nope: 1 } }).toArray()).rejects.toMatchObject({ code: 2 });
    expect(await items.countDocuments()).toBe(3);
  });
});
