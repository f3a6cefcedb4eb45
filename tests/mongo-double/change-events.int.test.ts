import type { ChangeStreamDocument, Collection, Document, MongoClient, ObjectId, ResumeToken, Timestamp } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, testDatabaseName } from '../harness/mongo.js';
import { collectEvents } from './streams.js';

type Event = ChangeStreamDocument<Document>;
const dataOf = (event: Event): string => (event._id as { _data: string })._data;

describe('change events through the official driver', () => {
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

  it('shapes insert, update, replace and delete events as MongoDB documents them', async () => {
    const products = collection('shapes');
    const stream = products.watch();
    let id: ObjectId | undefined;
    const events = await collectEvents(stream, 4, async () => {
      id = (await products.insertOne({ nombre: 'Camisa', precio: 20, tags: ['a', 'b', 'c'], meta: { color: 'azul' } })).insertedId;
      await products.updateOne({ _id: id }, { $set: { precio: 25 }, $unset: { meta: '' }, $pop: { tags: 1 } });
      await products.replaceOne({ _id: id }, { nombre: 'Camisa 2' });
      await products.deleteOne({ _id: id });
    });
    await stream.close();
    const [insert, update, replace, remove] = events as [Event, Event, Event, Event];
    expect(events.map((event) => event.operationType)).toEqual(['insert', 'update', 'replace', 'delete']);
    for (const event of events) {
      expect(dataOf(event)).toMatch(/^[0-9A-F]+$/);
      expect(event).toMatchObject({ ns: { db: dbName, coll: 'shapes' }, documentKey: { _id: id } });
      expect((event as { clusterTime: Timestamp }).clusterTime.constructor.name).toBe('Timestamp');
      expect((event as { wallTime: Date }).wallTime).toBeInstanceOf(Date);
    }
    expect(insert).toMatchObject({ fullDocument: { _id: id, nombre: 'Camisa', precio: 20 } });
    expect(update).toMatchObject({
      updateDescription: { updatedFields: { precio: 25 }, removedFields: ['meta'], truncatedArrays: [{ field: 'tags', newSize: 2 }] },
    });
    expect('fullDocument' in update).toBe(false);
    expect(replace).toMatchObject({ fullDocument: { _id: id, nombre: 'Camisa 2' } });
    expect('fullDocument' in remove).toBe(false);
    // Tokens sort in the order the events happened.
    const tokens = events.map(dataOf);
    expect([...tokens].sort()).toEqual(tokens);
  });

  it('looks up the current document for updates with fullDocument: updateLookup', async () => {
    const products = collection('lookup');
    const { insertedId } = await products.insertOne({ nombre: 'Gorra', precio: 10 });
    const stream = products.watch([], { fullDocument: 'updateLookup' });
    const [event] = await collectEvents(stream, 1, () => products.updateOne({ _id: insertedId }, { $inc: { precio: 5 } }));
    await stream.close();
    expect(event).toMatchObject({ operationType: 'update', fullDocument: { _id: insertedId, nombre: 'Gorra', precio: 15 } });
  });

  it('applies $match and $project stages after $changeStream', async () => {
    const products = collection('pipeline');
    const stream = products.watch([
      { $match: { operationType: 'insert', 'fullDocument.talla': 'L' } },
      { $project: { fullDocument: 1, operationType: 1 } },
    ]);
    const [event] = await collectEvents(stream, 1, async () => {
      await products.insertOne({ nombre: 'S', talla: 'S' });
      await products.updateMany({}, { $set: { x: 1 } });
      await products.insertOne({ nombre: 'L', talla: 'L' });
    });
    await stream.close();
    expect(event).toMatchObject({ operationType: 'insert', fullDocument: { nombre: 'L' } });
    expect('ns' in event!).toBe(false);
  });

  it('ends a collection stream with drop then invalidate', async () => {
    const products = collection('dropped');
    await products.insertOne({ a: 1 });
    const stream = products.watch();
    const events = await collectEvents(stream, 2, () => products.drop());
    expect(events.map((event) => event.operationType)).toEqual(['drop', 'invalidate']);
    expect(events[0]).toMatchObject({ ns: { db: dbName, coll: 'dropped' } });
    await stream.close();
  });

  it('watches every collection of a database', async () => {
    const stream = client.db(dbName).watch([{ $match: { 'ns.coll': { $in: ['db_one', 'db_two'] } } }]);
    const events = await collectEvents(stream, 2, async () => {
      await collection('db_one').insertOne({ n: 1 });
      await collection('db_two').insertOne({ n: 2 });
    });
    await stream.close();
    expect(events.map((event) => (event as { ns: { coll: string } }).ns.coll)).toEqual(['db_one', 'db_two']);
  });

  it('watches the whole deployment', async () => {
    const stream = client.watch([{ $match: { 'ns.db': dbName, 'ns.coll': 'cluster_wide' } }]);
    const [event] = await collectEvents(stream, 1, () => collection('cluster_wide').insertOne({ n: 1 }));
    await stream.close();
    expect(event).toMatchObject({ operationType: 'insert', ns: { db: dbName, coll: 'cluster_wide' }, fullDocument: { n: 1 } });
  });

  it('resumes after a token, starts after a token, and starts at an operation time', async () => {
    const products = collection('resume');
    const stream = products.watch();
    const events = await collectEvents(stream, 3, () =>
      products.insertMany([{ n: 1 }, { n: 2 }, { n: 3 }], { ordered: true }).then(async () => {}),
    );
    await stream.close();
    const [first] = events as [Event];
    const expectRest = async (options: Document, expected: number[]) => {
      const resumed = products.watch([], options);
      const got: number[] = [];
      for (let index = 0; index < expected.length; index++) {
        const event = await resumed.next();
        if (event.operationType === 'insert') got.push(event.fullDocument.n as number);
      }
      await resumed.close();
      expect(got).toEqual(expected);
    };
    await expectRest({ resumeAfter: first._id as ResumeToken }, [2, 3]);
    await expectRest({ startAfter: first._id as ResumeToken }, [2, 3]);
    await expectRest({ startAtOperationTime: (first as { clusterTime: Timestamp }).clusterTime }, [1, 2, 3]);
  });

  it('reports nested field changes with dotted paths', async () => {
    const products = collection('nested');
    const { insertedId } = await products.insertOne({ meta: { color: 'azul', size: 1 } });
    const stream = products.watch();
    const [event] = await collectEvents(stream, 1, () => products.updateOne({ _id: insertedId }, { $set: { 'meta.color': 'rojo' } }));
    await stream.close();
    expect(event).toMatchObject({
      operationType: 'update',
      updateDescription: { updatedFields: { 'meta.color': 'rojo' }, removedFields: [] },
    });
  });

  it('sees collection drops, then dropDatabase and invalidate, on a database stream', async () => {
    const other = client.db(`${dbName}_drop`);
    await other.collection('one').insertOne({ a: 1 });
    const stream = other.watch();
    const events = await collectEvents(stream, 5, async () => {
      await other.collection('two').insertOne({ b: 1 });
      await other.dropDatabase();
    });
    await stream.close();
    expect(events.map((event) => event.operationType)).toEqual(['insert', 'drop', 'drop', 'dropDatabase', 'invalidate']);
    const drops = events.filter((event) => event.operationType === 'drop').map((event) => (event as { ns: { coll: string } }).ns.coll);
    expect(drops.sort()).toEqual(['one', 'two']);
  });

  it('starts after an invalidate and sees the recreated collection', async () => {
    const products = collection('recreated');
    await products.insertOne({ v: 1 });
    const stream = products.watch();
    const [, invalidate] = await collectEvents(stream, 2, () => products.drop());
    await stream.close();
    await products.insertOne({ v: 2 });
    const after = products.watch([], { startAfter: invalidate!._id as ResumeToken });
    const event = await after.next();
    await after.close();
    expect(event).toMatchObject({ operationType: 'insert', fullDocument: { v: 2 } });
  });
});
