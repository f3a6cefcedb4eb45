// A client must become usable again soon after MongoDB closes all its connections, however often
// that happens: after a drop of every connection, and after a restart. Each round closes them at the
// moment that once left the driver's server monitor stuck for good: a change stream's getMore waits
// on the server while the monitor's own connection is idle. Runs on the double, or on a real mongod
// when one is available (restarts only; a real mongod cannot drop connections on demand).
import { MongoClient, MongoServerError, type Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { controllableMongoUnavailable, startControllableMongo, type ControllableMongo } from '../harness/controllable-mongo.js';

const unavailable = controllableMongoUnavailable();

/** How long writes may stay impossible after a fault; a real mongod also needs time to start and be elected. */
const recoveryMs = (backend: ControllableMongo['backend']) => (backend === 'double' ? 4_000 : 30_000);

/** Inserts `{_id}` until it is stored, as an application retries; rejects once `withinMs` have passed. */
async function insertWithin(items: Collection<{ _id: number }>, _id: number, withinMs: number): Promise<void> {
  const insert = async () => {
    try {
      await items.insertOne({ _id });
    } catch (error) {
      // An earlier attempt was stored although its reply was lost with the connection.
      if (error instanceof MongoServerError && error.code === 11000) return;
      throw new Error(`insert ${_id} still failing after the fault: ${String(error)}`, { cause: error });
    }
  };
  await vi.waitFor(insert, { timeout: withinMs, interval: 1 });
}

describe.skipIf(unavailable)('a client with a change stream across connection losses', () => {
  let mongo: ControllableMongo;
  beforeAll(async () => {
    mongo = (await startControllableMongo())!;
  });
  afterAll(async () => {
    await mongo?.stop();
  });

  /** Writes round after round; before each fault, waits until the stream saw the write and waits again on the server. */
  async function survivesRepeatedFaults(name: string, rounds: number, fault: () => Promise<void>): Promise<void> {
    const client = new MongoClient(mongo.url, {
      serverSelectionTimeoutMS: 2_000,
      // The driver rechecks a server at most every minHeartbeatFrequencyMS (500 ms by default). A
      // client in production last checked long ago when a fault strikes; 10 ms makes every round
      // of this test such a client without waiting half a second per round.
      minHeartbeatFrequencyMS: 10,
      // Command events say when the change stream has sent its next getMore.
      monitorCommands: true,
    });
    await client.connect();
    const items = client.db('connection-losses').collection<{ _id: number }>(name);
    const stream = items.watch();
    const seen: number[] = [];
    stream.on('change', (event) => {
      if (event.operationType === 'insert') seen.push(event.documentKey._id);
    });
    stream.on('error', () => {});
    const withinMs = recoveryMs(mongo.backend);
    try {
      await expect.poll(() => stream.resumeToken != null, { message: 'the change stream to open', timeout: 10_000 }).toBe(true);
      for (let round = 1; round <= rounds; round++) {
        const nextGetMore = new Promise<void>((resolve) => {
          const started = (event: { commandName: string }) => {
            if (event.commandName !== 'getMore') return;
            client.off('commandStarted', started);
            resolve();
          };
          client.on('commandStarted', started);
        });
        await insertWithin(items, round, withinMs);
        await expect.poll(() => seen.includes(round), { message: `the change event of insert ${round}`, timeout: withinMs }).toBe(true);
        await nextGetMore;
        // A round trip on another connection: by its reply the server has read that getMore, so it
        // closes the stream's connection as it closes an idle one (FIN, not RST).
        await client.db('admin').command({ ping: 1 });
        await fault();
      }
      await insertWithin(items, rounds + 1, withinMs);
      await expect
        .poll(() => seen.includes(rounds + 1), { message: 'the change event after the last fault', timeout: withinMs })
        .toBe(true);
    } finally {
      await stream.close();
      await client.close();
    }
    expect(seen).toEqual(Array.from({ length: rounds + 1 }, (_, i) => i + 1));
  }

  it('writes again within seconds after each of many drops of every connection, losing no event', async (context) => {
    if (!mongo.capabilities.dropConnections) return context.skip(`${mongo.backend} cannot drop connections`);
    await survivesRepeatedFaults('dropped', 20, () => mongo.dropConnections());
  }, 60_000);

  it('writes again within seconds after each of several restarts of the server, losing no event', async () => {
    await survivesRepeatedFaults('restarted', mongo.backend === 'double' ? 10 : 3, () => mongo.restart());
  }, 180_000);
});
