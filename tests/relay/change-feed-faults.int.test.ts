import { MongoClient, MongoServerError, ObjectId, type Collection, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controllableMongoUnavailable, startControllableMongo, type ControllableMongo } from '../harness/controllable-mongo.js';
import { testDatabaseName } from '../harness/mongo.js';
import { productDoc, startMongoRelay } from './mongo-relay.js';
import { connect } from './relay-harness.js';

// MongoDB going away under a running relay: clients stay connected, nothing is lost or repeated; when
// MongoDB no longer holds the relay's own position, every client is told to reset. Runs on a MongoDB
// this file owns (the double, or a real mongod); skipped when only a shared MONGO_URL is available.

const unavailable = controllableMongoUnavailable();

describe.skipIf(unavailable !== null)('relay through MongoDB faults', () => {
  let backend: ControllableMongo;
  let mongo: MongoClient;
  let products: Collection<Document>;

  beforeAll(async () => {
    backend = (await startControllableMongo())!;
    mongo = new MongoClient(backend.url, { serverSelectionTimeoutMS: 20_000 });
    await mongo.connect();
  });
  afterAll(async () => {
    await mongo?.close();
    await backend?.stop();
  });

  function freshCollection(): Collection<Document> {
    products = mongo.db(testDatabaseName(import.meta.url)).collection('products');
    return products;
  }

  /**
   * Inserts `count` products one by one (each acknowledged by a majority); returns their names. An
   * insert cut off by a fault is retried with the same _id, so it lands exactly once (a retry of one
   * that had landed answers duplicate key).
   */
  async function insert(from: number, count: number): Promise<string[]> {
    const names: string[] = [];
    for (let n = from; n < from + count; n += 1) {
      const doc: Document = { _id: new ObjectId(), ...productDoc(n) };
      for (let attempt = 1; ; attempt += 1) {
        try {
          await products.insertOne(doc, { writeConcern: { w: 'majority' } });
          break;
        } catch (error) {
          if (error instanceof MongoServerError && error.code === 11000) break;
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      names.push(String(doc.nombre));
    }
    return names;
  }

  it('keeps clients connected and loses nothing when MongoDB restarts', async () => {
    const relay = await startMongoRelay(freshCollection());
    try {
      const client = await connect(relay.url);
      const before = await insert(0, 10);
      await client.waitForEvents(10);
      await backend.restart({ downtimeMs: 300 });
      const after = await insert(10, 10);
      const events = await client.waitForEvents(20, 20_000);
      expect(events.map((event) => event.product?.nombre)).toEqual([...before, ...after]);
      expect(client.ws.readyState).toBe(client.ws.OPEN);
      await expect.poll(() => relay.relay.hub.ready, { message: 'the relay to be ready again' }).toBe(true);
    } finally {
      await relay.close();
    }
  });

  it('loses and repeats nothing when MongoDB connections drop mid-burst', async (context) => {
    if (!backend.capabilities.dropConnections) return context.skip();
    const relay = await startMongoRelay(freshCollection());
    try {
      const client = await connect(relay.url);
      const burst = insert(0, 60);
      await client.waitForEvents(10);
      await backend.dropConnections();
      await client.waitForEvents(30);
      await backend.dropConnections();
      const names = await burst;
      const events = await client.waitForEvents(60, 20_000);
      expect(events.map((event) => event.product?.nombre)).toEqual(names);
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    } finally {
      await relay.close();
    }
  });

  it('reopens its stream from its last position after a non-resumable error, losing and repeating nothing', async () => {
    const relayMongo = new MongoClient(backend.url, { appName: 'relay-reopen', serverSelectionTimeoutMS: 20_000 });
    const admin = mongo.db('admin');
    const relay = await startMongoRelay(relayMongo.db(freshCollection().dbName).collection('products'));
    try {
      const client = await connect(relay.url);
      const before = await insert(0, 3);
      await client.waitForEvents(3);
      await admin.command({
        configureFailPoint: 'failCommand',
        mode: { times: 3 },
        data: { failCommands: ['getMore', 'aggregate'], errorCode: 2, appName: 'relay-reopen' },
      });
      await expect.poll(() => !relay.relay.hub.ready, { message: 'the relay stream to fail' }).toBe(true);
      const during = await insert(3, 4);
      await expect.poll(() => relay.relay.hub.ready, { message: 'the relay stream to reopen', timeout: 20_000 }).toBe(true);
      const after = await insert(7, 2);
      const events = await client.waitForEvents(9, 20_000);
      expect(events.map((event) => event.product?.nombre)).toEqual([...before, ...during, ...after]);
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    } finally {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' }).catch(() => {});
      await relay.close();
      await relayMongo.close();
    }
  });

  it('resets every client when MongoDB no longer holds the relay position, then continues live', async (context) => {
    if (!backend.capabilities.forgetHistory) return context.skip();
    // The relay gets its own connections (by appName) so a fail point can stop its stream alone.
    const relayMongo = new MongoClient(backend.url, { appName: 'relay-position-lost', serverSelectionTimeoutMS: 20_000 });
    const admin = mongo.db('admin');
    const relay = await startMongoRelay(relayMongo.db(freshCollection().dbName).collection('products'));
    try {
      const client = await connect(relay.url);
      await insert(0, 3);
      await client.waitForEvents(3);
      // The relay's stream fails (non-resumable) and keeps failing while it backs off…
      await admin.command({
        configureFailPoint: 'failCommand',
        mode: 'alwaysOn',
        data: { failCommands: ['getMore', 'aggregate'], errorCode: 2, appName: 'relay-position-lost' },
      });
      await expect.poll(() => !relay.relay.hub.ready, { message: 'the relay stream to fail' }).toBe(true);
      // …meanwhile changes it has not read are written and then forgotten by the oplog.
      await insert(3, 2);
      await backend.forgetHistory();
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
      await expect
        .poll(() => client.messages.some((message) => message.type === 'reset'), { message: 'a reset', timeout: 20_000 })
        .toBe(true);
      expect(client.messages.find((message) => message.type === 'reset')).toMatchObject({ reason: 'relay-position-lost' });
      await expect.poll(() => relay.relay.hub.ready, { message: 'the relay to be ready again', timeout: 20_000 }).toBe(true);
      const later = await insert(100, 2);
      await expect.poll(() => client.events().length >= 5, { message: 'live events after the reset', timeout: 20_000 }).toBe(true);
      expect(
        client
          .events()
          .slice(3)
          .map((event) => event.product?.nombre),
      ).toEqual(later);
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    } finally {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' }).catch(() => {});
      await relay.close();
      await relayMongo.close();
    }
  });

  it('resets a client resuming from a position the oplog has forgotten', async (context) => {
    if (!backend.capabilities.forgetHistory) return context.skip();
    const relay = await startMongoRelay(freshCollection(), { historyEvents: 1 });
    try {
      const watcher = await connect(relay.url);
      await insert(0, 5);
      const events = await watcher.waitForEvents(5);
      await backend.forgetHistory();
      const client = await connect(relay.url, `since=${events[0]!.id}`);
      await expect.poll(() => client.messages.length >= 2, { message: 'a reset', timeout: 20_000 }).toBe(true);
      expect(client.messages.slice(0, 2)).toMatchObject([
        { type: 'welcome', resume: 'reset' },
        { type: 'reset', reason: 'history-lost' },
      ]);
    } finally {
      await relay.close();
    }
  });
});
