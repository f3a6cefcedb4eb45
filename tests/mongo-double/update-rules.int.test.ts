// Update and _id rules as a MongoDB 7.0 server applies them: a pipeline update keeps the _id it
// drops, an _id may hold no $-prefixed field, and `sort` in an update statement (MongoDB 8.0) is an
// unknown field to 7.0; a write concern the set cannot satisfy is refused before the write.
import type { Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, testDatabaseName } from '../harness/mongo.js';

describe('update and _id rules through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('keeps the original _id when a pipeline update replaces the whole document', async () => {
    const items = client.db(dbName).collection('pipeline');
    await items.insertOne({ _id: 1, n: 1 } as Document);
    await items.updateOne({ _id: 1 } as Document, [{ $replaceWith: { n: 5 } }]);
    expect(await items.find().toArray()).toEqual([{ _id: 1, n: 5 }]);
    await expect(items.updateOne({ _id: 1 } as Document, [{ $set: { _id: 2 } }])).rejects.toMatchObject({ code: 66 });
  });

  it("refuses an _id holding a '$'-prefixed field name, on insert and on replace", async () => {
    const items = client.db(dbName).collection('dollar_id');
    await expect(items.insertOne({ _id: { $bad: 1 } } as Document)).rejects.toMatchObject({ code: 52 });
    await expect(items.insertOne({ _id: { a: { $bad: 1 } } } as Document)).rejects.toMatchObject({ code: 52 });
    expect(await items.countDocuments()).toBe(0);
  });

  it('refuses a write concern no replica set can satisfy', async () => {
    const items = client.db(dbName).collection('concern');
    // A replica set has at most 50 members (test sets far fewer), and none defines the tag 'nowhere'.
    await expect(items.insertOne({ n: 1 }, { writeConcern: { w: 50 } })).rejects.toMatchObject({ code: 100 });
    // The driver types w as a number or 'majority': a tag goes through runCommand.
    await expect(
      client.db(dbName).command({ insert: 'concern', documents: [{ n: 2 }], writeConcern: { w: 'nowhere' } }),
    ).rejects.toMatchObject({ code: 79 });
    expect(await items.countDocuments()).toBe(0);
  });

  it('refuses sort in an update statement, which MongoDB 7.0 does not know', async () => {
    const items = client.db(dbName).collection('sorted_update');
    await items.insertMany([{ n: 1 }, { n: 2 }]);
    await expect(items.updateOne({}, { $set: { hit: true } }, { sort: { n: -1 } })).rejects.toMatchObject({ code: 40415 });
    expect(await items.countDocuments({ hit: true })).toBe(0);
  });
});
