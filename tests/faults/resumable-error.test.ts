import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { writeProducts } from '../../chaos/product-writer.js';
import { ResumingClient } from '../../chaos/resuming-client.js';
import { testDatabaseName } from '../harness/mongo.js';
import { failPointMongo, openTestDatabase, startApi, startRelay, waitForStatus, type RunningApi, type RunningRelay, type TestDatabase } from '../e2e/system.js';

// A resumable error on the relay's getMore, injected the way one would on a real mongod started with
// test commands enabled: `configureFailPoint` failCommand, labelled ResumableChangeStreamError and
// aimed at this relay's appName only. The driver resumes the stream; clients see nothing but events.

const DATABASE = testDatabaseName(import.meta.url);
const APP_NAME = `relay-${DATABASE}`;
const FAILURES = 3;

async function failPointsAvailable(db: Db): Promise<string | null> {
  try {
    await db.admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
    return null;
  } catch (error) {
    return `configureFailPoint is not available (test commands disabled?): ${(error as Error).message}`;
  }
}

describe('a resumable error on the relay change stream getMore', () => {
  let mongo: { url: string; stop(): Promise<void> };
  let database: TestDatabase;
  let api: RunningApi;
  let relay: RunningRelay;
  let unavailable: string | null = null;
  const clients: ResumingClient[] = [];

  beforeAll(async () => {
    mongo = await failPointMongo();
    database = await openTestDatabase(mongo.url, DATABASE);
    unavailable = await failPointsAvailable(database.db);
    api = await startApi(mongo.url, DATABASE);
    relay = await startRelay(mongo.url, DATABASE, {}, { appName: APP_NAME });
  });

  afterAll(async () => {
    for (const client of clients) client.stop();
    await database?.db.admin().command({ configureFailPoint: 'failCommand', mode: 'off' }).catch(() => {});
    await relay?.close();
    await api?.close();
    await database?.close();
    await mongo?.stop();
  });

  it('is resumed by the driver: clients stay connected and receive every product once, in order', async ({ skip }) => {
    if (unavailable) skip(unavailable);
    clients.push(new ResumingClient({ url: relay.ws }), new ResumingClient({ url: relay.ws }));
    await Promise.all(clients.map((client) => client.start()));

    const first = await writeProducts({ apiUrl: api.url, count: 30, concurrency: 1, runId: 'before-failpoint' });
    await Promise.all(clients.map((client) => client.untilProducts(30, 10_000)));
    await database.db.admin().command({
      configureFailPoint: 'failCommand',
      mode: { times: FAILURES },
      data: { failCommands: ['getMore'], errorCode: 6, errorLabels: ['ResumableChangeStreamError'], appName: APP_NAME },
    });
    const second = await writeProducts({ apiUrl: api.url, count: 30, concurrency: 1, runId: 'during-failpoint' });
    const expected = [...first.products, ...second.products].map((product) => product.id);
    for (const client of clients) {
      await client.untilProducts(60, 20_000);
      expect(client.record.events.map((event) => event.key.id)).toEqual(expected);
      expect(client.record.connections).toBe(1);
      expect(client.record.closeCodes).toEqual([]);
    }
    // Every planned failure was really served to the relay's getMore (mongod and the double both report it).
    const { count } = await database.db.admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
    expect(count).toBe(FAILURES);
    await waitForStatus(`${relay.http}/readyz`, 200);
  }, 45_000);
});
