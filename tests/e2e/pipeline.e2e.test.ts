import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResumingClient } from '../../chaos/resuming-client.js';
import type { EventMessage } from '../../contract/protocol.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import { createProduct, openTestDatabase, startApi, startRelay, type RunningApi, type RunningRelay, type TestDatabase } from './system.js';

// The whole pipeline on the harness's MongoDB: a product POSTed to the API comes out of the relay to
// every WebSocket client, in the order it was written; no part talks to another except through MongoDB.

const DATABASE = testDatabaseName(import.meta.url);

describe('API → MongoDB → relay → WebSocket clients', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let relay: RunningRelay;
  const clients: ResumingClient[] = [];

  const connect = async () => {
    const client = new ResumingClient({ url: relay.ws });
    clients.push(client);
    await client.start();
    return client;
  };
  const eventFor = async (client: ResumingClient, productId: string): Promise<EventMessage> => {
    await client.until(() => client.productIds.has(productId), 10_000);
    return client.record.events.find((event) => event.key.id === productId) as EventMessage;
  };

  beforeAll(async () => {
    database = await openTestDatabase(mongoUrl(), DATABASE);
    api = await startApi(mongoUrl(), DATABASE);
    relay = await startRelay(mongoUrl(), DATABASE);
  });

  afterAll(async () => {
    for (const client of clients) client.stop();
    await relay?.close();
    await api?.close();
    await database?.close();
  });

  it('delivers a POSTed product to a WebSocket client as the API returned it', async () => {
    const client = await connect();
    const created = await createProduct(api.url, { nombre: 'iPhone 15', precio: 999.99, talla: 'L' });
    const event = await eventFor(client, created.id);
    expect(event.op).toBe('insert');
    expect(event.product).toEqual(created);
    expect(event.ns).toEqual({ db: DATABASE, coll: 'products' });
    expect(event.id).toMatch(/^[0-9A-Fa-f]+$/);
  });

  it('delivers the same product to three clients', async () => {
    const three = await Promise.all([connect(), connect(), connect()]);
    const created = await createProduct(api.url, { nombre: 'Galaxy S24', precio: 899.5, talla: 'M' });
    const events = await Promise.all(three.map((client) => eventFor(client, created.id)));
    for (const event of events) expect(event.product).toEqual(created);
    // One change, one id: every client got the very same event.
    expect(new Set(events.map((event) => event.id)).size).toBe(1);
  });

  it("delivers the seed's loop of five products in the order they were created", async () => {
    const client = await connect();
    const before = client.record.events.length;
    const created = [];
    for (let i = 1; i <= 5; i++) created.push(await createProduct(api.url, { nombre: `Producto ${i}`, precio: i * 10, talla: 'M' }));
    await client.until(() => client.record.events.length >= before + 5, 10_000);
    const received = client.record.events.slice(before).map((event) => event.product?.nombre);
    expect(received).toEqual(['Producto 1', 'Producto 2', 'Producto 3', 'Producto 4', 'Producto 5']);
    expect(client.record.events.slice(before).map((event) => event.key.id)).toEqual(created.map((product) => product.id));
  });

  it('delivers each of 40 concurrent POSTs once, as each POST was answered', async () => {
    // Concurrent creates share insert commands (api/grouped-inserts.ts): one event per product still.
    const client = await connect();
    const before = client.record.events.length;
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => createProduct(api.url, { nombre: `Concurrent ${i}`, precio: i + 1, talla: 'S' })),
    );
    await client.until(() => client.record.events.length >= before + 40, 10_000);
    const events = client.record.events.slice(before);
    expect(events.map((event) => event.key.id).sort()).toEqual(created.map((product) => product.id).sort());
    const answered = new Map(created.map((product) => [product.id, product]));
    for (const event of events) expect(event.product).toEqual(answered.get(event.key.id));
  });

  it("answers the seed's upgrade check with 101 Switching Protocols", async () => {
    // What `curl -i -N -H "Connection: Upgrade" -H "Upgrade: websocket" ...` sends, over a raw socket.
    const status = await new Promise<number>((resolve, reject) => {
      const upgrade = request(`${relay.http}/`, {
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
        timeout: 5_000,
      });
      upgrade.on('upgrade', (response, socket) => {
        socket.destroy();
        resolve(response.statusCode ?? 0);
      });
      upgrade.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      upgrade.on('timeout', () => upgrade.destroy(new Error('no answer to the upgrade')));
      upgrade.on('error', reject);
      upgrade.end();
    });
    expect(status).toBe(101);
  });
});
