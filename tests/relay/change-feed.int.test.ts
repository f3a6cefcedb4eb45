import type { Collection, Document, MongoClient, Timestamp } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { productFromDocument } from '../../contract/product-document.js';
import { connectClient, testDatabaseName } from '../harness/mongo.js';
import { productDoc, startMongoRelay, type MongoTestRelay } from './mongo-relay.js';
import { connect } from './relay-harness.js';

// The relay on a real change stream (the harness's backend): what a write in MongoDB becomes for a
// WebSocket client, and positions served from the history, a catch-up stream or a snapshot time.

describe('relay on a MongoDB change stream', () => {
  let mongo: MongoClient;
  let products: Collection<Document>;
  let relay: MongoTestRelay | undefined;

  beforeAll(async () => {
    mongo = await connectClient();
    products = mongo.db(testDatabaseName(import.meta.url)).collection('products');
  });
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });
  afterAll(async () => {
    await mongo
      .db(products.dbName)
      .dropDatabase()
      .catch(() => {});
    await mongo.close();
  });

  it('turns an insert, an update and a delete into events carrying the product as the API shows it', async () => {
    relay = await startMongoRelay(products);
    const client = await connect(relay.url, 'ops=insert,update,replace,delete');
    const doc = productDoc(1);
    const { insertedId } = await products.insertOne(doc, { writeConcern: { w: 'majority' } });
    await client.waitForEvents(1);
    // One at a time: the product of an update is looked up when the relay reads it, so a delete
    // already committed by then would leave the update without a product (null, like a delete).
    await products.updateOne({ _id: insertedId }, { $set: { precio: 12.25 } }, { writeConcern: { w: 'majority' } });
    await client.waitForEvents(2);
    await products.deleteOne({ _id: insertedId }, { writeConcern: { w: 'majority' } });
    const [insert, update, remove] = await client.waitForEvents(3);
    expect(insert).toMatchObject({
      op: 'insert',
      ns: { db: products.dbName, coll: 'products' },
      key: { id: insertedId.toHexString() },
      product: productFromDocument({ ...doc, _id: insertedId }),
    });
    expect(update).toMatchObject({
      op: 'update',
      product: { id: insertedId.toHexString(), precio: 12.25 },
      changes: { updated: { precio: 12.25 }, removed: [] },
    });
    expect(remove).toMatchObject({ op: 'delete', key: { id: insertedId.toHexString() }, product: null });
    expect(new Set([insert!.id, update!.id, remove!.id]).size).toBe(3);
    expect(Number.isNaN(Date.parse(insert!.at))).toBe(false);
  });

  it('resumes a client from an id older than its history through a catch-up stream, then live', async () => {
    relay = await startMongoRelay(products, { historyEvents: 3 });
    const watcher = await connect(relay.url);
    await products.insertMany(
      Array.from({ length: 20 }, (_, n) => productDoc(100 + n)),
      { writeConcern: { w: 'majority' } },
    );
    const first = await watcher.waitForEvents(20);
    const resumed = await connect(relay.url, `since=${first[4]!.id}`);
    await products.insertMany(
      Array.from({ length: 5 }, (_, n) => productDoc(200 + n)),
      { writeConcern: { w: 'majority' } },
    );
    const all = await watcher.waitForEvents(25);
    expect((await resumed.waitForEvents(20)).map((event) => event.id)).toEqual(all.slice(5).map((event) => event.id));
    expect(resumed.messages[0]).toMatchObject({ type: 'welcome', resume: 'resumed' });
    await expect.poll(() => relay!.relay.hub.stats().catchUp.open === 0, { message: 'the catch-up stream to close' }).toBe(true);
  });

  it('delivers exactly the changes after a snapshot read to a client subscribing with its time position', async () => {
    await products.insertMany(
      Array.from({ length: 3 }, (_, n) => productDoc(300 + n)),
      { writeConcern: { w: 'majority' } },
    );
    const reply = await mongo.db(products.dbName).command({ find: 'products', filter: {}, readConcern: { level: 'snapshot' } });
    const at = reply.cursor.atClusterTime as Timestamp;
    const later = Array.from({ length: 4 }, (_, n) => productDoc(400 + n));
    await products.insertMany(later, { writeConcern: { w: 'majority' } });
    relay = await startMongoRelay(products, { historyEvents: 2 });
    const client = await connect(relay.url, `since=time:${at.t}.${at.i}`);
    const events = await client.waitForEvents(4);
    expect(events.map((event) => event.product?.nombre)).toEqual(later.map((doc) => doc.nombre));
    await products.insertOne(productDoc(500), { writeConcern: { w: 'majority' } });
    const withLive = await client.waitForEvents(5);
    expect(withLive[4]!.product?.nombre).toBe('producto 500');
  });

  it('serves a snapshot time position from its history when it holds the changes after it', async () => {
    relay = await startMongoRelay(products);
    const watcher = await connect(relay.url);
    await products.insertMany(
      Array.from({ length: 3 }, (_, n) => productDoc(700 + n)),
      { writeConcern: { w: 'majority' } },
    );
    const reply = await mongo.db(products.dbName).command({ find: 'products', filter: {}, readConcern: { level: 'snapshot' } });
    const at = reply.cursor.atClusterTime as Timestamp;
    await products.insertMany(
      Array.from({ length: 2 }, (_, n) => productDoc(800 + n)),
      { writeConcern: { w: 'majority' } },
    );
    await watcher.waitForEvents(5);
    const client = await connect(relay.url, `since=time:${at.t}.${at.i}`);
    expect((await client.waitForEvents(2)).map((event) => event.product?.nombre)).toEqual(['producto 800', 'producto 801']);
    expect(relay.relay.hub.stats().catchUp.peakOpen).toBe(0);
  });

  it('resets a client whose id MongoDB does not know', async () => {
    relay = await startMongoRelay(products);
    const client = await connect(relay.url, `since=8263${'0'.repeat(40)}`);
    await expect.poll(() => client.messages.length >= 2, { message: 'reset' }).toBe(true);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', resume: 'reset' });
    expect(client.messages[1]).toMatchObject({ type: 'reset' });
    await products.insertOne(productDoc(600), { writeConcern: { w: 'majority' } });
    expect((await client.waitForEvents(1))[0]!.product?.nombre).toBe('producto 600');
  });
});
