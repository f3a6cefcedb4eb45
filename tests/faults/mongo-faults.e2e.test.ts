import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readCanonicalOrder } from '../../chaos/canonical-order.js';
import { faultGate, type PlannedFault } from '../../chaos/fault-plan.js';
import { writeProducts } from '../../chaos/product-writer.js';
import { ResumingClient } from '../../chaos/resuming-client.js';
import { snapshotPosition } from '../../chaos/snapshot-position.js';
import { judge } from '../../chaos/verdict.js';
import { controllableMongoUnavailable, startControllableMongo, type ControllableMongo } from '../harness/controllable-mongo.js';
import { testDatabaseName } from '../harness/mongo.js';
import {
  openTestDatabase,
  startApi,
  startRelay,
  waitForStatus,
  type RunningApi,
  type RunningRelay,
  type TestDatabase,
} from '../e2e/system.js';

// MongoDB goes away under the relay while products are being written: every client connection is
// dropped, or the server stops and comes back on the same port. The relay must keep its WebSocket
// clients (no close at all) and, once its stream is back, deliver every product exactly once, in order.

const PRODUCTS = 200;
const unavailable = controllableMongoUnavailable();

describe.skipIf(unavailable !== null)(`MongoDB faults under the relay${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let mongo: ControllableMongo;
  let database: TestDatabase;
  let api: RunningApi;
  let relay: RunningRelay;
  let clients: ResumingClient[] = [];

  beforeAll(async () => {
    mongo = (await startControllableMongo()) as ControllableMongo;
  });
  afterAll(async () => {
    await mongo?.stop();
  });
  afterEach(async () => {
    for (const client of clients) client.stop();
    clients = [];
    await relay?.close();
    await api?.close();
    await database?.close();
  });

  async function burstWith(label: string, faults: PlannedFault[], inject: (fault: PlannedFault) => Promise<void>) {
    const name = testDatabaseName(`${label}`);
    database = await openTestDatabase(mongo.url, name);
    api = await startApi(mongo.url, name);
    relay = await startRelay(mongo.url, name);
    const position = await snapshotPosition(api.url);
    clients = Array.from({ length: 4 }, () => new ResumingClient({ url: relay.ws, since: position }));
    await Promise.all(clients.map((client) => client.start()));

    const { gate, settled } = faultGate(faults, inject);
    const written = await writeProducts({ apiUrl: api.url, count: PRODUCTS, concurrency: 4, runId: label, beforeWrite: gate });
    await settled();
    expect(written.failures).toEqual([]);
    await waitForStatus(`${relay.http}/readyz`, 200);
    await Promise.all(clients.map((client) => client.untilProducts(PRODUCTS, 30_000)));
    const canonical = await readCanonicalOrder(database.db.collection('products'), {
      after: position,
      expected: PRODUCTS,
      timeoutMs: 10_000,
    });
    expect(canonical).toHaveLength(PRODUCTS);
    for (const client of clients) {
      expect(judge(canonical, client.record.events, client.record.resets)).toMatchObject({
        received: PRODUCTS,
        lost: 0,
        duplicated: 0,
        outOfOrder: 0,
        unknown: 0,
        idMismatch: 0,
        resets: 0,
      });
      // Never disconnected: one welcome, no close.
      expect(client.record.connections).toBe(1);
      expect(client.record.closeCodes).toEqual([]);
    }
  }

  it('keeps every WebSocket client and loses nothing when MongoDB connections drop mid-burst', async ({ skip }) => {
    if (!mongo.capabilities.dropConnections) skip(`${mongo.backend} cannot drop connections on demand`);
    let drops = 0;
    const faults: PlannedFault[] = [40, 90, 140].map((atProduct) => ({ kind: 'mongo-drop', atProduct }));
    await burstWith('faults_mongo_drop', faults, async () => {
      await mongo.dropConnections();
      drops += 1;
    });
    expect(drops).toBe(3);
  }, 60_000);

  it('keeps every WebSocket client and loses nothing when MongoDB restarts mid-burst', async ({ skip }) => {
    if (!mongo.capabilities.restart) skip(`${mongo.backend} cannot be restarted`);
    let restarts = 0;
    await burstWith('faults_mongo_restart', [{ kind: 'mongo-restart', atProduct: 100 }], async () => {
      await mongo.restart({ downtimeMs: 300 });
      restarts += 1;
    });
    expect(restarts).toBe(1);
  }, 60_000);
});
