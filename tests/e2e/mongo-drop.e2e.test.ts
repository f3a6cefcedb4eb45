import { describe, expect, it } from 'vitest';
import { writeProducts } from '../../chaos/product-writer.js';
import { ResumingClient } from '../../chaos/resuming-client.js';
import { testDatabaseName } from '../harness/mongo.js';
import { failPointSystem, waitForStatus } from './system.js';

// MongoDB closes the relay's and the API's connections in the middle of their commands (the
// failCommand fail point with closeConnection, as on a mongod started with test commands enabled).
// WebSocket clients must not notice beyond a short pause: same connection, every product arrives.
// tests/faults/mongo-faults.e2e.test.ts drops every connection at once through the double's own hook.

const DATABASE = testDatabaseName(import.meta.url);
// The API and the relay share one appName, so one fail point reaches both and no other test.
const APP_NAME = `drop-${DATABASE}`;
const DROPS = 4;

describe('a MongoDB connection drop', () => {
  const system = failPointSystem(DATABASE, { api: APP_NAME, relay: APP_NAME });
  const { clients } = system;

  it('does not disconnect WebSocket clients, and no event is lost', async ({ skip }) => {
    if (system.unavailable) skip(system.unavailable);
    clients.push(new ResumingClient({ url: system.relay.ws }), new ResumingClient({ url: system.relay.ws }));
    await Promise.all(clients.map((client) => client.start()));

    const before = await writeProducts({ apiUrl: system.api.url, count: 5, concurrency: 1, runId: 'before-drop' });
    await Promise.all(clients.map((client) => client.untilProducts(5, 10_000)));
    // The next getMores (the relay's stream) and inserts (the API's writes) lose their connection mid-command.
    await system.database.db.admin().command({
      configureFailPoint: 'failCommand',
      mode: { times: DROPS },
      data: { failCommands: ['getMore', 'insert'], closeConnection: true, appName: APP_NAME },
    });
    // The API may answer 503 while it reconnects; the writer retries with the same Idempotency-Key.
    const after = await writeProducts({ apiUrl: system.api.url, count: 5, concurrency: 1, runId: 'after-drop' });
    expect([...before.failures, ...after.failures]).toEqual([]);

    const expected = [...before.products, ...after.products].map((product) => product.id);
    for (const client of clients) {
      await client.untilProducts(10, 20_000);
      expect(client.record.events.map((event) => event.key.id)).toEqual(expected);
      expect(client.record.connections).toBe(1);
      expect(client.record.closeCodes).toEqual([]);
    }
    const { count } = await system.database.db.admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
    expect(count).toBe(DROPS);
    await waitForStatus(`${system.relay.http}/readyz`, 200);
  }, 45_000);
});
