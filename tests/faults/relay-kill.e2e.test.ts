import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCanonicalOrder } from '../../chaos/canonical-order.js';
import { faultGate } from '../../chaos/fault-plan.js';
import { freePort } from '../../chaos/free-port.js';
import { writeProducts } from '../../chaos/product-writer.js';
import { ResumingClient } from '../../chaos/resuming-client.js';
import type { ServiceProcess } from '../../chaos/service-process.js';
import { snapshotPosition } from '../../chaos/snapshot-position.js';
import { startRelayProcess } from '../../chaos/system-processes.js';
import { judge } from '../../chaos/verdict.js';
import { mongoUrl as harnessMongoUrl, testDatabaseName } from '../harness/mongo.js';
import { openTestDatabase, startApi, type RunningApi, type TestDatabase } from '../e2e/system.js';

// The relay is a real process here because SIGKILL is the point: no shutdown code runs, its history
// is gone, and clients must get what they missed from MongoDB through `since`.

const DATABASE = testDatabaseName(import.meta.url);
const PRODUCTS = 240;

describe('relay killed with SIGKILL mid-burst', () => {
  const mongoUrl = harnessMongoUrl();
  let database: TestDatabase;
  let api: RunningApi;
  let relay: ServiceProcess | undefined;
  const clients: ResumingClient[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(mongoUrl, DATABASE);
    api = await startApi(mongoUrl, DATABASE);
  });

  afterAll(async () => {
    for (const client of clients) client.stop();
    await relay?.stop('SIGKILL');
    await api?.close();
    await database?.close();
  });

  it('clients resume with since after the restart and receive every product exactly once, in order', async () => {
    const port = await freePort();
    const relayOptions = { mongoUrl, database: DATABASE, port };
    relay = await startRelayProcess(relayOptions);
    const position = await snapshotPosition(api.url);
    for (let i = 0; i < 5; i++) clients.push(new ResumingClient({ url: `ws://127.0.0.1:${port}/`, since: position, maxDelayMs: 300 }));
    await Promise.all(clients.map((client) => client.start()));

    const kills: number[] = [];
    const { gate, settled } = faultGate(
      [
        { kind: 'relay-kill', atProduct: 80 },
        { kind: 'relay-kill', atProduct: 170 },
      ],
      async (fault) => {
        const lives = clients.map((client) => client.record.connections);
        const { signal } = await (relay as ServiceProcess).stop('SIGKILL');
        kills.push(fault.atProduct);
        expect(signal).toBe('SIGKILL');
        relay = await startRelayProcess(relayOptions);
        // Every client is back before the next kill, so each kill cuts every client off (writes go on meanwhile).
        await Promise.all(clients.map((client, i) => client.until(() => client.record.connections > (lives[i] as number), 15_000)));
      },
    );
    const written = await writeProducts({ apiUrl: api.url, count: PRODUCTS, concurrency: 4, runId: 'relay-kill', beforeWrite: gate });
    await settled();
    expect(written.failures).toEqual([]);
    expect(kills).toEqual([80, 170]);

    await Promise.all(clients.map((client) => client.untilProducts(PRODUCTS, 30_000)));
    const canonical = await readCanonicalOrder(database.db.collection('products'), {
      after: position,
      expected: PRODUCTS,
      timeoutMs: 10_000,
    });
    expect(canonical).toHaveLength(PRODUCTS);
    for (const client of clients) {
      expect(judge(canonical, client.record.events, client.record.resets)).toEqual({
        received: PRODUCTS,
        lost: 0,
        duplicated: 0,
        outOfOrder: 0,
        unknown: 0,
        idMismatch: 0,
        resets: 0,
        malformed: 0,
        lostAt: [],
      });
      // It really was cut off and came back: one connection per relay life, each resume honoured.
      expect(client.record.connections).toBe(3);
      expect(client.record.welcomes.map((welcome) => welcome.resume)).toEqual(client.record.welcomes.map(() => 'resumed'));
    }
  }, 90_000);
});
