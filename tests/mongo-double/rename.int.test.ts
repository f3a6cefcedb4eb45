// renameCollection as MongoDB 7.0 does it within a database: documents and indexes move, change
// streams see a `rename` event with `to`, and a stream on the source or the target collection is
// invalidated by it; a database stream goes on.
import type { ChangeStreamDocument, Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, testDatabaseName } from '../harness/mongo.js';
import { collectEvents } from './streams.js';

describe('renameCollection through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);
  const opTypes = (events: ChangeStreamDocument<Document>[]) => events.map((event) => event.operationType);

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('moves documents and indexes to the new name', async () => {
    const db = client.db(dbName);
    await db.collection('before').insertMany([{ k: 1 }, { k: 2 }]);
    await db.collection('before').createIndex({ k: 1 }, { unique: true, name: 'k_1' });
    await db.renameCollection('before', 'after');
    expect(await db.collection('after').countDocuments()).toBe(2);
    expect((await db.collection('after').indexes()).map((index) => index.name)).toEqual(['_id_', 'k_1']);
    await expect(db.collection('after').insertOne({ k: 1 })).rejects.toMatchObject({ code: 11000 });
    expect(await db.listCollections({ name: 'before' }).toArray()).toEqual([]);
  });

  it('ends a stream on the renamed collection with rename (naming the target) then invalidate', async () => {
    const db = client.db(dbName);
    await db.collection('source').insertOne({ a: 1 });
    const stream = db.collection('source').watch();
    const events = await collectEvents(stream, 2, () => db.renameCollection('source', 'target'));
    await stream.close();
    expect(opTypes(events)).toEqual(['rename', 'invalidate']);
    expect(events[0]).toMatchObject({ ns: { db: dbName, coll: 'source' }, to: { db: dbName, coll: 'target' } });
  });

  it('invalidates a stream on a collection that a rename with dropTarget replaces', async () => {
    const db = client.db(dbName);
    await db.collection('incoming').insertOne({ a: 1 });
    await db.collection('replaced').insertOne({ b: 1 });
    const stream = db.collection('replaced').watch();
    const events = await collectEvents(stream, 2, () => db.renameCollection('incoming', 'replaced', { dropTarget: true }));
    await stream.close();
    expect(opTypes(events)).toEqual(['rename', 'invalidate']);
    expect(await db.collection('replaced').findOne({}, { projection: { _id: 0 } })).toEqual({ a: 1 });
  });

  it('shows the rename on a database stream, which keeps going', async () => {
    const db = client.db(dbName);
    await db.collection('moving').insertOne({ a: 1 });
    const stream = db.watch();
    const events = await collectEvents(stream, 2, async () => {
      await db.renameCollection('moving', 'moved');
      await db.collection('moved').insertOne({ a: 2 });
    });
    await stream.close();
    expect(opTypes(events)).toEqual(['rename', 'insert']);
    expect(events[1]).toMatchObject({ ns: { db: dbName, coll: 'moved' } });
  });

  it('refuses a missing source (26), an existing target without dropTarget (48) and a rename to itself', async () => {
    const db = client.db(dbName);
    await expect(db.renameCollection('absent', 'anything')).rejects.toMatchObject({ code: 26 });
    await db.collection('one').insertOne({});
    await db.collection('two').insertOne({});
    await expect(db.renameCollection('one', 'two')).rejects.toMatchObject({ code: 48 });
    await expect(client.db('admin').command({ renameCollection: `${dbName}.one`, to: `${dbName}.one` })).rejects.toMatchObject({
      code: 20,
    });
  });
});
