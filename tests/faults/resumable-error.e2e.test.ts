import { describe, expect, it } from 'vitest';
import { writeProducts } from '../../chaos/product-writer.js';
import { ResumingClient } from '../../chaos/resuming-client.js';
import { testDatabaseName } from '../harness/mongo.js';
import { failPointSystem, waitForStatus } from '../e2e/system.js';

// A resumable error on the relay's getMore, injected the way one would on a real mongod started with
// test commands enabled: `configureFailPoint` failCommand, labelled ResumableChangeStreamError and
// aimed at this relay's appName only. The driver resumes the stream; clients see nothing but events.

const DATABASE = testDatabaseName(import.meta.url);
const APP_NAME = `relay-${DATABASE}`;
const FAILURES = 3;

describe('a resumable error on the relay change stream getMore', () => {
  const system = failPointSystem(DATABASE, { relay: APP_NAME });
  const { clients } = system;

  it('is resumed by the driver: clients stay connected and receive every product once, in order', async ({ skip }) => {
    if (system.unavailable) skip(system.unavailable);
    clients.push(new ResumingClient({ url: system.relay.ws }), new ResumingClient({ url: system.relay.ws }));
    await Promise.all(clients.map((client) => client.start()));

    const first = await writeProducts({ apiUrl: system.api.url, count: 30, concurrency: 1, runId: 'before-failpoint' });
    await Promise.all(clients.map((client) => client.untilProducts(30, 10_000)));
    await system.database.db.admin().command({
      configureFailPoint: 'failCommand',
      mode: { times: FAILURES },
      data: { failCommands: ['getMore'], errorCode: 6, errorLabels: ['ResumableChangeStreamError'], appName: APP_NAME },
    });
    const second = await writeProducts({ apiUrl: system.api.url, count: 30, concurrency: 1, runId: 'during-failpoint' });
    const expected = [...first.products, ...second.products].map((product) => product.id);
    for (const client of clients) {
      await client.untilProducts(60, 20_000);
      expect(client.record.events.map((event) => event.key.id)).toEqual(expected);
      expect(client.record.connections).toBe(1);
      expect(client.record.closeCodes).toEqual([]);
    }
    // Every planned failure was really served to the relay's getMore (mongod and the double both report it).
    const { count } = await system.database.db.admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
    expect(count).toBe(FAILURES);
    await waitForStatus(`${system.relay.http}/readyz`, 200);
  }, 45_000);
});
