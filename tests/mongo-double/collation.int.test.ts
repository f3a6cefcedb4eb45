// Collation as MongoDB applies it with ICU: locale and strength decide which strings a query finds,
// counts, updates and deletes, and in which order a sort returns them. What the double cannot apply
// faithfully it refuses by name (only the double does).
import type { Collection, CollationOptions, Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, mongoBackend, testDatabaseName } from '../harness/mongo.js';

describe('collation through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);
  const en = (strength: number): CollationOptions => ({ locale: 'en', strength });
  const seeded = async (name: string): Promise<Collection> => {
    const items = client.db(dbName).collection(name);
    await items.insertMany(['café', 'Cafe', 'cafe', 'B', 'a'].map((s, i) => ({ _id: i, s })) as Document[]);
    return items;
  };
  const strings = async (docs: Promise<Document[]>) => (await docs).map((doc) => doc.s as string);

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('matches strings by the strength asked for: case at 2, case and accents at 1', async () => {
    const items = await seeded('strength');
    expect(await strings(items.find({ s: 'cafe' }).toArray())).toEqual(['cafe']);
    expect(await strings(items.find({ s: 'cafe' }, { collation: en(3) }).toArray())).toEqual(['cafe']);
    expect(await strings(items.find({ s: 'cafe' }, { collation: en(2) }).toArray())).toEqual(['Cafe', 'cafe']);
    expect(await strings(items.find({ s: { $in: ['CAFE', 'x'] } }, { collation: en(1) }).toArray())).toEqual(['café', 'Cafe', 'cafe']);
    expect(await strings(items.find({ s: { $ne: 'CAFE' } }, { collation: en(2) }).toArray())).toEqual(['café', 'B', 'a']);
  });

  it('compares and sorts strings in the locale order, not by code point', async () => {
    const items = await seeded('order');
    expect(
      await strings(
        items
          .find({ s: { $lt: 'b' } })
          .sort({ _id: 1 })
          .toArray(),
      ),
    ).toEqual(['Cafe', 'B', 'a']);
    expect(await strings(items.find({ s: { $lt: 'b' } }, { collation: en(1) }).toArray())).toEqual(['a']);
    expect(
      await strings(
        items
          .find({ s: { $in: ['a', 'B'] } })
          .sort({ s: 1 })
          .toArray(),
      ),
    ).toEqual(['B', 'a']);
    expect(
      await strings(
        items
          .find({ s: { $in: ['a', 'B'] } }, { collation: en(3) })
          .sort({ s: 1 })
          .toArray(),
      ),
    ).toEqual(['a', 'B']);
    expect(
      await strings(items.aggregate([{ $match: { s: { $in: ['a', 'B'] } } }, { $sort: { s: -1 } }], { collation: en(3) }).toArray()),
    ).toEqual(['B', 'a']);
  });

  it('counts, updates and deletes the documents the collation matches', async () => {
    const items = await seeded('writes');
    expect(await items.countDocuments({ s: 'CAFE' }, { collation: en(2) })).toBe(2);
    expect((await items.updateMany({ s: 'CAFE' }, { $set: { hit: true } }, { collation: en(1) })).modifiedCount).toBe(3);
    expect((await items.deleteMany({ s: 'b' }, { collation: en(2) })).deletedCount).toBe(1);
    expect(await items.countDocuments()).toBe(4);
  });

  it('refuses by name what it cannot apply a collation to', async (context) => {
    if (mongoBackend() !== 'double') return context.skip('refusals of the double; mongod applies these collations');
    const items = await seeded('refused');
    await expect(items.find({ s: 'a' }, { collation: { locale: 'en', alternate: 'shifted' } }).toArray()).rejects.toMatchObject({
      code: 115,
    });
    await expect(items.distinct('s', {}, { collation: en(2) })).rejects.toMatchObject({ code: 115 });
    await expect(items.aggregate([{ $group: { _id: '$s' } }], { collation: en(2) }).toArray()).rejects.toMatchObject({ code: 115 });
    await expect(items.find({ $expr: { $eq: ['$s', 'a'] } }, { collation: en(2) }).toArray()).rejects.toMatchObject({ code: 115 });
  });
});
