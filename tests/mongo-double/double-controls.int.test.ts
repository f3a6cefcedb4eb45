// Behaviour specific to the double, checked on a double this file starts: its retention bound,
// forgetting history up to a point, tokens it never issued, restart keeping data and oplog, and
// what every reply carries.
import type { Document, ResumeToken, Timestamp } from 'mongodb';
import { MongoClient, Timestamp as BsonTimestamp } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startMongoDouble, type MongoDouble } from '../../mongo-double/index.js';
import { collectEvents } from './streams.js';

describe('the double’s own controls and guarantees', () => {
  let double: MongoDouble | undefined;
  let client: MongoClient | undefined;

  async function start(options: { oplogMaxEntries?: number } = {}) {
    double = await startMongoDouble(options);
    client = new MongoClient(double.url, { monitorCommands: true, serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    return { double, client, items: client.db('controls').collection('items') };
  }
  afterEach(async () => {
    await client?.close();
    await double?.stop();
  });

  const tokensOf = async (
    items: ReturnType<MongoClient['db']>['collection'] extends (...args: never[]) => infer C ? C : never,
    count: number,
  ) => {
    const stream = items.watch();
    const events = await collectEvents(stream, count, () => items.insertMany(Array.from({ length: count }, (_, n) => ({ n }))));
    await stream.close();
    return events.map((event) => event._id as ResumeToken);
  };

  it('answers ChangeStreamHistoryLost (286) for tokens it never issued', async () => {
    const { items } = await start();
    for (const token of [{ _data: `82${'F'.repeat(34)}` }, { _data: 'not-a-token' }, { _data: 826 }]) {
      const stream = items.watch([], { resumeAfter: token as ResumeToken });
      await expect(stream.next()).rejects.toMatchObject({ code: 286 });
      await stream.close();
    }
  });

  it('keeps only oplogMaxEntries entries: older tokens give 286, recent ones resume', async () => {
    const { items } = await start({ oplogMaxEntries: 16 });
    const [old] = await tokensOf(items, 2);
    await items.insertMany(Array.from({ length: 40 }, (_, n) => ({ n: 100 + n })));
    const lost = items.watch([], { resumeAfter: old! });
    await expect(lost.next()).rejects.toMatchObject({ code: 286 });
    await lost.close();
    const [recent] = await tokensOf(items, 2);
    const resumed = items.watch([], { resumeAfter: recent! });
    expect(await resumed.next()).toMatchObject({ fullDocument: { n: 1 } });
    await resumed.close();
  });

  it('forgets history before a point only', async () => {
    const { double, items } = await start();
    const stream = items.watch();
    const events = await collectEvents(stream, 3, () => items.insertMany([{ n: 0 }, { n: 1 }, { n: 2 }]));
    await stream.close();
    double.forgetHistory((events[1] as { clusterTime: Timestamp }).clusterTime);
    const lost = items.watch([], { resumeAfter: events[0]!._id as ResumeToken });
    await expect(lost.next()).rejects.toMatchObject({ code: 286 });
    await lost.close();
    const kept = items.watch([], { resumeAfter: events[1]!._id as ResumeToken });
    expect(await kept.next()).toMatchObject({ fullDocument: { n: 2 } });
    await kept.close();
  });

  it('ends an open stream with 286 when the entries it still needs are forgotten', async () => {
    const { double, items } = await start();
    const stream = items.watch([], { maxAwaitTimeMS: 50 });
    await collectEvents(stream, 1, () => items.insertOne({ n: 0 }));
    // The stream is caught up; writes it has not read yet are then forgotten under it.
    await items.insertOne({ n: 1 });
    double.forgetHistory();
    await expect(stream.next()).rejects.toMatchObject({ code: 286 });
    await stream.close();
  });

  it('resumes from the high-water mark of a stream that starts in the future', async () => {
    const { client, items } = await start();
    const now = (await client.db('admin').command({ ping: 1 })).operationTime as Timestamp;
    const later = items.watch([], { startAtOperationTime: new BsonTimestamp({ t: now.t + 60, i: 0 }), maxAwaitTimeMS: 20 });
    expect(await later.tryNext()).toBeNull();
    const token = later.resumeToken!;
    await later.close();
    const resumed = items.watch([], { resumeAfter: token, maxAwaitTimeMS: 20 });
    expect(await resumed.tryNext()).toBeNull();
    await resumed.close();
  });

  it('keeps data and oplog across a restart', async () => {
    const { double, items } = await start();
    const [first] = await tokensOf(items, 2);
    await double.restart();
    expect(await items.countDocuments()).toBe(2);
    const resumed = items.watch([], { resumeAfter: first! });
    expect(await resumed.next()).toMatchObject({ fullDocument: { n: 1 } });
    await resumed.close();
  });

  it('stamps every reply with operationTime and $clusterTime, and snapshot reads with atClusterTime', async () => {
    const { client, items } = await start();
    const replies: Document[] = [];
    client.on('commandSucceeded', (event) => replies.push(event.reply as Document));
    await items.insertOne({ n: 1 });
    await items.find().toArray();
    expect(replies.length).toBeGreaterThanOrEqual(2);
    for (const reply of replies) {
      expect(reply.operationTime?.constructor.name).toBe('Timestamp');
      expect(reply.$clusterTime?.clusterTime?.constructor.name).toBe('Timestamp');
    }
    const snapshot = await client.db('controls').command({ find: 'items', filter: {}, readConcern: { level: 'snapshot' } });
    expect(snapshot.cursor.atClusterTime.equals(snapshot.operationTime)).toBe(true);
  });

  it('refuses multi-document transactions clearly instead of pretending', async () => {
    const { client, items } = await start();
    const session = client.startSession();
    session.startTransaction();
    await expect(items.insertOne({ n: 1 }, { session })).rejects.toMatchObject({ code: 115 });
    await session.abortTransaction().catch(() => {});
    await session.endSession();
  });
});
