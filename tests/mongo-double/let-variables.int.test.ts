// `let` variables as MongoDB 5.0+ takes them on find, aggregate, update, delete and findAndModify:
// $$name in $expr filters and in pipelines; names checked as mongod checks them.
import type { Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, testDatabaseName } from '../harness/mongo.js';

describe('let variables through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);
  const seeded = async (name: string) => {
    const items = client.db(dbName).collection(name);
    await items.insertMany([
      { _id: 1, n: 1 },
      { _id: 2, n: 2 },
      { _id: 3, n: 3 },
    ] as Document[]);
    return items;
  };
  const matchN = { $expr: { $eq: ['$n', '$$target'] } };

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('finds with $$variables in an $expr filter', async () => {
    const items = await seeded('find');
    expect(await items.find(matchN, { let: { target: 2 } }).toArray()).toEqual([{ _id: 2, n: 2 }]);
  });

  it('aggregates with $$variables in $match and in computed fields', async () => {
    const items = await seeded('aggregate');
    const docs = await items
      .aggregate([{ $match: { $expr: { $gt: ['$n', '$$min'] } } }, { $project: { _id: 1, label: '$$tag' } }], {
        let: { min: 1, tag: 'big' },
      })
      .toArray();
    expect(docs).toEqual([
      { _id: 2, label: 'big' },
      { _id: 3, label: 'big' },
    ]);
  });

  it('updates the documents a $$variable selects, with the variable in a pipeline update', async () => {
    const items = await seeded('update');
    const result = await items.updateMany(matchN, [{ $set: { stamp: '$$stamp' } }], { let: { target: 3, stamp: 'seen' } });
    expect(result.modifiedCount).toBe(1);
    expect(await items.find({ stamp: 'seen' }).toArray()).toEqual([{ _id: 3, n: 3, stamp: 'seen' }]);
  });

  it('deletes and finds-and-modifies the documents a $$variable selects', async () => {
    const items = await seeded('delete');
    expect((await items.deleteMany(matchN, { let: { target: 1 } })).deletedCount).toBe(1);
    const updated = await items.findOneAndUpdate(matchN, [{ $set: { n: { $add: ['$n', '$$step'] } } }], {
      let: { target: 2, step: 10 },
      returnDocument: 'after',
    });
    expect(updated).toEqual({ _id: 2, n: 12 });
    expect(await items.countDocuments()).toBe(2);
  });

  it('refuses a variable name that does not start with a lowercase letter', async () => {
    const items = await seeded('names');
    await expect(items.find(matchN, { let: { Target: 2 } }).toArray()).rejects.toMatchObject({ code: 16870 });
  });
});
