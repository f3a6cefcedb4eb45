import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeProducts } from '../../chaos/product-writer.js';
import { ResumingClient } from '../../chaos/resuming-client.js';
import { controllableMongoUnavailable, startControllableMongo, type ControllableMongo } from '../harness/controllable-mongo.js';
import { testDatabaseName } from '../harness/mongo.js';
import { openTestDatabase, startApi, startRelay, waitForStatus, type RunningApi, type RunningRelay, type TestDatabase } from './system.js';

// MongoDB drops every connection (the API's, the relay's) between writes. WebSocket clients must not
// notice beyond a short pause: same connection, and every product written before and after arrives.

const DATABASE = testDatabaseName(import.meta.url);
const unavailable = controllableMongoUnavailable();

describe.skipIf(unavailable !== null)(`a MongoDB connection drop${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let mongo: ControllableMongo;
  let database: TestDatabase;
  let api: RunningApi;
  let relay: RunningRelay;
  const clients: ResumingClient[] = [];

  beforeAll(async () => {
    mongo = (await startControllableMongo()) as ControllableMongo;
    database = await openTestDatabase(mongo.url, DATABASE);
    api = await startApi(mongo.url, DATABASE);
    relay = await startRelay(mongo.url, DATABASE);
  });

  afterAll(async () => {
    for (const client of clients) client.stop();
    await relay?.close();
    await api?.close();
    await database?.close();
    await mongo?.stop();
  });

  it('does not disconnect WebSocket clients, and no event is lost', async ({ skip }) => {
    if (!mongo.capabilities.dropConnections) skip(`${mongo.backend} cannot drop connections on demand`);
    clients.push(new ResumingClient({ url: relay.ws }), new ResumingClient({ url: relay.ws }));
    await Promise.all(clients.map((client) => client.start()));

    const before = await writeProducts({ apiUrl: api.url, count: 5, concurrency: 1, runId: 'before-drop' });
    await Promise.all(clients.map((client) => client.untilProducts(5, 10_000)));
    await mongo.dropConnections();
    // The API may answer 503 while it reconnects; the writer retries with the same Idempotency-Key.
    const after = await writeProducts({ apiUrl: api.url, count: 5, concurrency: 1, runId: 'after-drop' });
    expect([...before.failures, ...after.failures]).toEqual([]);

    const expected = [...before.products, ...after.products].map((product) => product.id);
    for (const client of clients) {
      await client.untilProducts(10, 20_000);
      expect(client.record.events.map((event) => event.key.id)).toEqual(expected);
      expect(client.record.connections).toBe(1);
      expect(client.record.closeCodes).toEqual([]);
    }
    await waitForStatus(`${relay.http}/readyz`, 200);
  }, 45_000);
});
