// showExpandedEvents (MongoDB 6.0+): create, createIndexes, dropIndexes and modify events,
// collectionUUID on events, operationDescription on rename, and updateDescription.disambiguatedPaths
// for paths with numeric field names (6.1+). Without the option none of it appears.
import type { ChangeStreamDocument, Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, testDatabaseName } from '../harness/mongo.js';
import { collectEvents } from './streams.js';

type Event = ChangeStreamDocument<Document> & Document;

describe('expanded change events through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  const ddl = async (name: string) => {
    const db = client.db(dbName);
    await db.createCollection(name);
    await db.collection(name).createIndex({ x: 1 }, { name: 'x_1' });
    await db.command({ collMod: name });
    await db.collection(name).dropIndex('x_1');
    await db.collection(name).insertOne({ x: 1 });
  };

  it('shows create, createIndexes, modify and dropIndexes, and gives events their collectionUUID', async () => {
    const db = client.db(dbName);
    const stream = db.watch([{ $match: { 'ns.coll': 'expanded' } }], { showExpandedEvents: true });
    const events = (await collectEvents(stream, 5, () => ddl('expanded'))) as Event[];
    await stream.close();
    expect(events.map((event) => event.operationType)).toEqual(['create', 'createIndexes', 'modify', 'dropIndexes', 'insert']);
    const [info] = await db.listCollections({ name: 'expanded' }).toArray();
    const uuid = (info as Document).info.uuid as { toHexString(): string };
    for (const event of events) expect((event.collectionUUID as typeof uuid).toHexString(), event.operationType).toBe(uuid.toHexString());
    expect(events[1]).toMatchObject({
      ns: { db: dbName, coll: 'expanded' },
      operationDescription: { indexes: [{ key: { x: 1 }, name: 'x_1' }] },
    });
    expect(events[3]).toMatchObject({ operationDescription: { indexes: [{ name: 'x_1' }] } });
  });

  it('shows none of it without showExpandedEvents', async () => {
    const stream = client.db(dbName).watch([{ $match: { 'ns.coll': 'plain' } }]);
    const events = (await collectEvents(stream, 1, () => ddl('plain'))) as Event[];
    await stream.close();
    expect(events.map((event) => event.operationType)).toEqual(['insert']);
    expect('collectionUUID' in events[0]!).toBe(false);
  });

  it('describes a rename with its target and the collection it replaced', async () => {
    const db = client.db(dbName);
    await db.collection('from_here').insertOne({});
    await db.collection('to_here').insertOne({});
    const stream = db.collection('from_here').watch([], { showExpandedEvents: true });
    const [rename] = (await collectEvents(stream, 1, () => db.renameCollection('from_here', 'to_here', { dropTarget: true }))) as Event[];
    await stream.close();
    expect(rename).toMatchObject({
      operationType: 'rename',
      to: { db: dbName, coll: 'to_here' },
      operationDescription: { to: { db: dbName, coll: 'to_here' } },
    });
    expect(rename!.operationDescription.dropTarget).toBeDefined();
  });

  it('disambiguates update paths through numeric field names, array indexes as numbers', async () => {
    const items = client.db(dbName).collection('paths');
    await items.insertMany([
      { _id: 1, a: { 1: 1 } },
      { _id: 2, a: [{ 1: 1 }] },
    ] as Document[]);
    const expanded = items.watch([], { showExpandedEvents: true });
    const writes = async () => {
      await items.updateOne({ _id: 1 } as Document, { $set: { 'a.1': 2 } });
      await items.updateOne({ _id: 2 } as Document, { $set: { 'a.0.1': 2 } });
    };
    const [first, second] = (await collectEvents(expanded, 2, writes)) as Event[];
    await expanded.close();
    const plain = items.watch();
    const [unexpanded] = (await collectEvents(plain, 1, () => items.updateOne({ _id: 1 } as Document, { $set: { 'a.1': 3 } }))) as Event[];
    await plain.close();
    expect(first!.updateDescription.disambiguatedPaths).toEqual({ 'a.1': ['a', '1'] });
    expect(second!.updateDescription).toMatchObject({ updatedFields: { 'a.0.1': 2 }, disambiguatedPaths: { 'a.0.1': ['a', 0, '1'] } });
    expect('disambiguatedPaths' in unexpanded!.updateDescription).toBe(false);
  });
});
