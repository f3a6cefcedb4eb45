// Faults a relay must survive, on a MongoDB this file owns (the double, or a real mongod when one is
// available): dropped connections, a restart during an open change stream, and lost oplog history.
import { once } from 'node:events';
import { MongoClient, type ResumeToken } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controllableMongoUnavailable, startControllableMongo, type ControllableMongo } from '../harness/controllable-mongo.js';
import { collectEvents } from './streams.js';

const unavailable = controllableMongoUnavailable();

describe.skipIf(unavailable)('change streams across MongoDB faults', () => {
  let mongo: ControllableMongo;
  let client: MongoClient;

  beforeAll(async () => {
    mongo = (await startControllableMongo())!;
    client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 15_000 });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await mongo?.stop();
  });

  const numbers = (events: Awaited<ReturnType<typeof collectEvents>>) =>
    events.map((event) => (event.operationType === 'insert' ? event.fullDocument.n : null));

  it('resumes by itself after every connection is dropped, losing no event', async (context) => {
    if (!mongo.capabilities.dropConnections) return context.skip(`${mongo.backend} cannot drop connections`);
    const items = client.db('faults').collection('dropped');
    const stream = items.watch();
    // A write racing the pool clear that a drop causes can fail without a retry (the driver does not
    // retry errors from connections it already considers stale), so write once the pool is ready again.
    const dropAndRecover = async () => {
      const ready = once(client, 'connectionPoolReady');
      await mongo.dropConnections();
      await ready;
    };
    const events = await collectEvents(stream, 3, async () => {
      await items.insertOne({ n: 1 });
      await dropAndRecover();
      await items.insertOne({ n: 2 });
      await dropAndRecover();
      await items.insertOne({ n: 3 });
    });
    await stream.close();
    expect(numbers(events)).toEqual([1, 2, 3]);
  });

  it('keeps an open change stream through a restart of the server, losing no event', async () => {
    const items = client.db('faults').collection('restarted');
    const stream = items.watch();
    const events = await collectEvents(stream, 3, async () => {
      await items.insertOne({ n: 1 });
      await mongo.restart({ downtimeMs: 200 });
      await items.insertOne({ n: 2 });
      await items.insertOne({ n: 3 });
    });
    await stream.close();
    expect(numbers(events)).toEqual([1, 2, 3]);
    expect(await items.countDocuments()).toBe(3);
  });

  it('answers ChangeStreamHistoryLost (286) for a token whose history was forgotten', async (context) => {
    if (!mongo.capabilities.forgetHistory) return context.skip(`${mongo.backend} cannot forget oplog history`);
    const items = client.db('faults').collection('forgotten');
    const stream = items.watch();
    const [first] = await collectEvents(stream, 1, () => items.insertOne({ n: 1 }));
    await stream.close();
    await items.insertOne({ n: 2 });
    await mongo.forgetHistory();
    const resumed = items.watch([], { resumeAfter: first!._id as ResumeToken });
    await expect(resumed.next()).rejects.toMatchObject({ code: 286 });
    await resumed.close();
  });
});
