// The awaitable hello of MongoDB 4.4+, through the official driver: what its streaming server
// monitor relies on, so that it notices a closed connection at once and recovers from it.
import { MongoClient, ObjectId, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, mongoUrl } from '../harness/mongo.js';

describe('the awaitable hello and the streaming monitor', () => {
  let client: MongoClient;
  let admin: ReturnType<MongoClient['db']>;

  beforeAll(async () => {
    client = await connectClient();
    admin = client.db('admin');
  });
  afterAll(async () => {
    await client.close();
  });

  const elapsed = async (command: Document): Promise<number> => {
    const started = performance.now();
    await admin.command(command);
    return performance.now() - started;
  };

  it('reports a topologyVersion: the processId of this server process and a counter', async () => {
    const { topologyVersion } = await admin.command({ hello: 1 });
    expect(topologyVersion.processId).toBeInstanceOf(ObjectId);
    expect(Number(topologyVersion.counter)).toBeGreaterThanOrEqual(0);
  });

  it('waits up to maxAwaitTimeMS when the client knows the current topology, and answers at once when it does not', async () => {
    const { topologyVersion } = await admin.command({ hello: 1 });
    expect(await elapsed({ hello: 1, topologyVersion, maxAwaitTimeMS: 400 })).toBeGreaterThanOrEqual(300);
    const otherProcess = { processId: new ObjectId(), counter: topologyVersion.counter };
    expect(await elapsed({ hello: 1, topologyVersion: otherProcess, maxAwaitTimeMS: 20_000 })).toBeLessThan(10_000);
  });

  it('refuses an awaitable hello that is incomplete or claims a newer topology of this process', async () => {
    const { topologyVersion } = await admin.command({ hello: 1 });
    await expect(admin.command({ hello: 1, topologyVersion })).rejects.toMatchObject({ code: 31368 });
    await expect(admin.command({ hello: 1, maxAwaitTimeMS: 0 })).rejects.toMatchObject({ code: 31368 });
    await expect(admin.command({ hello: 1, topologyVersion, maxAwaitTimeMS: -1 })).rejects.toMatchObject({ code: 31373 });
    const newer = { processId: topologyVersion.processId, counter: Number(topologyVersion.counter) + 1 };
    await expect(admin.command({ hello: 1, topologyVersion: newer, maxAwaitTimeMS: 0 })).rejects.toMatchObject({ code: 31382 });
  });

  it('is monitored by the driver with streamed heartbeats', async () => {
    const watched = new MongoClient(mongoUrl(), { serverSelectionTimeoutMS: 10_000, heartbeatFrequencyMS: 500 });
    try {
      const streamed = new Promise<void>((resolve) => {
        watched.on('serverHeartbeatSucceeded', (event) => {
          if (event.awaited) resolve();
        });
      });
      await watched.connect();
      await streamed;
    } finally {
      await watched.close();
    }
  });
});
