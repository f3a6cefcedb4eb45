import { ObjectId } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LiveChange, LiveStatus } from '../../client/index.js';
import { freePort } from '../../chaos/free-port.js';
import { writeProducts } from '../../chaos/product-writer.js';
import type { ServiceProcess } from '../../chaos/service-process.js';
import { startRelayProcess } from '../../chaos/system-processes.js';
import { controllableMongoUnavailable, startControllableMongo, type ControllableMongo } from '../harness/controllable-mongo.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import {
  createProduct,
  openTestDatabase,
  startApi,
  startRelay,
  type RunningApi,
  type RunningRelay,
  type TestDatabase,
} from '../e2e/system.js';
import { databaseProducts, liveCollection, sorted, stopLiveCollections } from './live-fixture.js';

// The live collection against the real API and relay: one call loads every page with the snapshot's
// stream position and follows it, and the Map it keeps ends equal to MongoDB's products through
// pages, every kind of write, relay SIGKILLs and a reset.

async function send(method: string, url: string, body?: unknown): Promise<number> {
  const response = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  await response.body?.cancel();
  return response.status;
}

describe('live collection', () => {
  const url = mongoUrl();
  const name = testDatabaseName(import.meta.url);
  let database: TestDatabase;
  let api: RunningApi;
  let relay: RunningRelay | undefined;
  let relayProcess: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await openTestDatabase(url, name);
    api = await startApi(url, name);
  });
  afterEach(async () => {
    await stopLiveCollections();
    await relay?.close();
    relay = undefined;
    await relayProcess?.stop('SIGKILL');
    relayProcess = undefined;
    await database.db.collection('products').deleteMany({});
  });
  afterAll(async () => {
    await api?.close();
    await database?.close();
  });

  it('loads a catalogue of several pages and follows inserts, updates, replacements and deletes', async () => {
    relay = await startRelay(url, name);
    const now = Date.now();
    await database.db.collection('products').insertMany(
      Array.from({ length: 230 }, (_, i) => ({
        _id: new ObjectId(),
        nombre: `seed ${i}`,
        precio: i,
        talla: 'M',
        createdAt: new Date(now - i * 1000),
        updatedAt: new Date(now - i * 1000),
      })),
      { writeConcern: { w: 'majority' } },
    );
    const live = liveCollection({ apiUrl: api.url, relayUrl: relay.ws });
    const changes: LiveChange['kind'][] = [];
    live.subscribe((_products, change) => change && changes.push(change.kind));
    await live.ready;
    expect(live.status).toBe('live');
    expect(sorted(live.products)).toEqual(sorted(await databaseProducts(database)));

    const created = await createProduct(api.url, { nombre: 'iPhone 15', precio: 999.99, talla: 'L' });
    const [first, second] = sorted(live.products);
    expect(await send('PATCH', `${api.url}/api/product/${first?.id}`, { precio: 1.5 })).toBe(200);
    expect(await send('PUT', `${api.url}/api/product/${second?.id}`, { nombre: 'replaced', precio: 2, talla: 'XL' })).toBe(200);
    expect(await send('DELETE', `${api.url}/api/product/${created.id}`)).toBe(204);
    await expect.poll(() => changes.length, { timeout: 10_000 }).toBe(5);
    expect(changes).toEqual(['snapshot', 'upsert', 'upsert', 'upsert', 'delete']);
    expect(sorted(live.products)).toEqual(sorted(await databaseProducts(database)));
    expect(live.products.get(first?.id ?? '')?.precio).toBe(1.5);
  });

  it('ends equal to MongoDB after a burst of writes, updates and deletes with the relay SIGKILLed twice', async () => {
    const port = await freePort();
    relayProcess = await startRelayProcess({ mongoUrl: url, database: name, port });
    const relayUrl = `ws://127.0.0.1:${port}/`;
    const lives = [liveCollection({ apiUrl: api.url, relayUrl }), liveCollection({ apiUrl: api.url, relayUrl })];
    const resets: string[] = [];
    for (const live of lives) live.on('reset', (reason) => resets.push(reason));
    await Promise.all(lives.map((live) => live.ready));

    const restart = async () => {
      await relayProcess?.stop('SIGKILL');
      relayProcess = await startRelayProcess({ mongoUrl: url, database: name, port });
    };
    const inserts = await writeProducts({
      apiUrl: api.url,
      count: 120,
      concurrency: 4,
      runId: 'live',
      beforeWrite: async (i) => (i === 60 ? restart() : undefined),
    });
    expect(inserts.failures).toEqual([]);
    // Then every other kind of change, on the products just written, with one more kill midway.
    const targets = inserts.products.slice(0, 90);
    let next = 0;
    const mutate = async () => {
      for (let i = next++; i < targets.length; i = next++) {
        if (i === 45) await restart();
        const id = targets[i]?.id;
        const status =
          i % 3 === 0
            ? await send('PATCH', `${api.url}/api/product/${id}`, { precio: i + 0.5 })
            : i % 3 === 1
              ? await send('PUT', `${api.url}/api/product/${id}`, { nombre: `replaced ${i}`, precio: i, talla: 'S' })
              : await send('DELETE', `${api.url}/api/product/${id}`);
        expect([200, 204]).toContain(status);
      }
    };
    await Promise.all([mutate(), mutate(), mutate()]);

    const expected = sorted(await databaseProducts(database));
    expect(expected).toHaveLength(90);
    for (const live of lives) await expect.poll(() => sorted(live.products), { timeout: 30_000 }).toEqual(expected);
    expect(resets).toEqual([]);
  }, 120_000);

  const unavailable = controllableMongoUnavailable();
  it.skipIf(unavailable !== null)(
    `reloads the snapshot by itself after a reset (history lost) and ends equal to MongoDB${unavailable ? ` (skipped: ${unavailable})` : ''}`,
    async ({ skip }) => {
      const mongo: ControllableMongo | null = await startControllableMongo();
      try {
        if (!mongo?.capabilities.forgetHistory) return skip(`${mongo?.backend} cannot forget oplog history on demand`);
        const own = await openTestDatabase(mongo.url, `${name}_reset`);
        const ownApi = await startApi(mongo.url, own.name);
        try {
          const port = await freePort();
          const start = () => startRelayProcess({ mongoUrl: mongo.url, database: own.name, port, env: { RELAY_HISTORY_EVENTS: '5' } });
          relayProcess = await start();
          const live = liveCollection({ apiUrl: ownApi.url, relayUrl: `ws://127.0.0.1:${port}/` });
          const statuses: LiveStatus[] = [];
          live.on('status', (status) => statuses.push(status));
          const snapshots: LiveChange[] = [];
          live.subscribe((_products, change) => change?.kind === 'snapshot' && snapshots.push(change));
          await live.ready;
          const before = await writeProducts({ apiUrl: ownApi.url, count: 5, concurrency: 1, runId: 'before' });
          await expect.poll(() => live.products.size).toBe(5);

          await relayProcess.stop('SIGKILL');
          await writeProducts({ apiUrl: ownApi.url, count: 8, concurrency: 2, runId: 'missed' });
          await send('DELETE', `${ownApi.url}/api/product/${before.products[0]?.id}`);
          await mongo.forgetHistory();
          relayProcess = await start();

          await expect.poll(() => snapshots.length, { timeout: 20_000 }).toBe(2);
          expect(snapshots[1]).toEqual({ kind: 'snapshot', count: expect.any(Number), reason: 'history-lost' });
          await writeProducts({ apiUrl: ownApi.url, count: 2, concurrency: 1, runId: 'after' });
          const expected = sorted(await databaseProducts(own));
          expect(expected).toHaveLength(14);
          await expect.poll(() => sorted(live.products), { timeout: 15_000 }).toEqual(expected);
          expect(statuses).toContain('resyncing');
          expect(statuses.at(-1)).toBe('live');
        } finally {
          await stopLiveCollections();
          await ownApi.close();
          await own.close();
        }
      } finally {
        await relayProcess?.stop('SIGKILL');
        relayProcess = undefined;
        await mongo?.stop();
      }
    },
    90_000,
  );
});
