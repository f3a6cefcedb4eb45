import { MongoClient, type Collection, type Document } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { createCatchUpOpener } from '../../relay/mongo/catch-up-opener.js';
import { createChangeFeed } from '../../relay/mongo/change-feed.js';
import { relayConfig } from '../../relay/config.js';
import { createManualSource } from '../../relay/delivery/manual-source.js';
import type { ServerMessage } from '../../contract/protocol.js';
import { createRelay, type Relay } from '../../relay/relay.js';
import { failPointMongo } from '../e2e/system.js';
import { controllableMongoUnavailable, startControllableMongo } from '../harness/controllable-mongo.js';
import { testDatabaseName } from '../harness/mongo.js';
import { productDoc } from './mongo-relay.js';
import { connect, ids, productEvent, startRelay, type TestClient, type TestRelay } from './relay-harness.js';

// A welcome without `since` promises "live from now": every write committed after it follows. So does
// a reset ("reload a snapshot, then continue live"). Only an open change stream can keep that promise,
// so the relay says either only while its stream is open: right after it starts listening, and after
// it lost its own position and reopens from now.

/** Hands out what the test stops, in reverse order, after each test. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

/** A relay on a real change stream of `collection`, listening at once (not waiting for the stream), as relay/main.ts does. */
async function listeningRelay(
  collection: Collection<Document>,
  feed: { initialBackoffMs?: number; maxBackoffMs?: number } = {},
): Promise<{ relay: Relay; url: string }> {
  const config = relayConfig({ host: '127.0.0.1', port: 0, drainMs: 0 });
  const logger = silentLogger();
  const relay = createRelay({
    config,
    source: createChangeFeed({ collection, logger, maxAwaitTimeMS: 200, initialBackoffMs: 50, maxBackoffMs: 500, ...feed }),
    catchUp: createCatchUpOpener({ collection, maxAwaitTimeMS: 200 }),
    logger,
  });
  cleanups.push(() => relay.close());
  const port = await relay.listen(0, '127.0.0.1');
  return { relay, url: `ws://127.0.0.1:${port}/` };
}

/** Records, for every message `client` receives, whether the relay's stream was open at that moment. */
function streamOpenAt(client: TestClient, relay: Relay): { type: ServerMessage['type']; streamOpen: boolean }[] {
  const seen: { type: ServerMessage['type']; streamOpen: boolean }[] = [];
  client.ws.on('message', (data) => seen.push({ type: (JSON.parse(String(data)) as ServerMessage).type, streamOpen: relay.hub.ready }));
  return seen;
}

describe('live from now, on a real change stream', () => {
  it('delivers a write made right after the welcome to a client that connected the moment the relay listened', async () => {
    const mongo = await failPointMongo();
    cleanups.push(() => mongo.stop());
    const database = testDatabaseName(import.meta.url);
    const appName = `live-start-${database}`;
    const writer = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 10_000 });
    cleanups.push(() => writer.close());
    const products = writer.db(database).collection('products');
    cleanups.push(() => writer.db(database).dropDatabase());
    // Where fail points exist, the relay's first aggregate is held back a while, so the window between
    // "listening" and "stream open" is wide on any machine; elsewhere it is the natural startup window.
    await writer
      .db('admin')
      .command({
        configureFailPoint: 'failCommand',
        mode: { times: 1 },
        data: { failCommands: ['aggregate'], blockConnection: true, blockTimeMS: 500, appName },
      })
      .catch(() => undefined);
    cleanups.push(() => writer.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' }));
    // The relay's own client, not connected yet: exactly how relay/main.ts starts.
    const relayMongo = new MongoClient(mongo.url, { appName, serverSelectionTimeoutMS: 10_000 });
    cleanups.push(() => relayMongo.close());

    const { relay, url } = await listeningRelay(relayMongo.db(database).collection('products'));
    const client = await connect(url, 'ops=insert', { waitWelcome: false });
    cleanups.push(async () => client.close());
    const seen = streamOpenAt(client, relay);
    await expect.poll(() => client.messages.length > 0, { message: 'the welcome' }).toBe(true);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', resume: 'none' });
    await products.insertOne(productDoc(1), { writeConcern: { w: 'majority' } });

    const [event] = await client.waitForEvents(1, 5_000);
    expect(event).toMatchObject({ op: 'insert', product: { nombre: productDoc(1).nombre } });
    expect(seen[0]).toEqual({ type: 'welcome', streamOpen: true });
  });

  it.skipIf(controllableMongoUnavailable() !== null)(
    'after losing its own position, resets clients only once its new stream is open, so a snapshot reloaded on the reset misses nothing',
    async ({ skip }) => {
      const backend = (await startControllableMongo())!;
      cleanups.push(() => backend.stop());
      if (!backend.capabilities.forgetHistory) return skip('this backend cannot forget oplog history');
      const database = testDatabaseName(import.meta.url);
      const appName = 'live-after-reset';
      const writer = new MongoClient(backend.url, { serverSelectionTimeoutMS: 20_000 });
      cleanups.push(() => writer.close());
      const products = writer.db(database).collection('products');
      const admin = writer.db('admin');
      cleanups.push(() => admin.command({ configureFailPoint: 'failCommand', mode: 'off' }));
      const relayMongo = new MongoClient(backend.url, { appName, serverSelectionTimeoutMS: 20_000 });
      cleanups.push(() => relayMongo.close());
      // A backoff long enough that "reset sent" and "new stream open" are clearly apart if they differ.
      const { relay, url } = await listeningRelay(relayMongo.db(database).collection('products'), {
        initialBackoffMs: 400,
        maxBackoffMs: 400,
      });
      await expect.poll(() => relay.hub.ready, { message: 'the change stream to open' }).toBe(true);
      const client = await connect(url);
      cleanups.push(async () => client.close());
      await products.insertMany([productDoc(1), productDoc(2)], { writeConcern: { w: 'majority' } });
      await client.waitForEvents(2);

      // A user of the protocol: on reset, reload the snapshot, then write (as any other user may).
      const seen = streamOpenAt(client, relay);
      const afterReset = new Promise<{ written: string }>((resolve, reject) => {
        client.ws.on('message', (data) => {
          if ((JSON.parse(String(data)) as ServerMessage).type !== 'reset') return;
          products
            .find({}, { readConcern: { level: 'majority' } })
            .toArray()
            .then(async () => {
              await products.insertOne(productDoc(100), { writeConcern: { w: 'majority' } });
              resolve({ written: String(productDoc(100).nombre) });
            })
            .catch(reject);
        });
      });

      // The relay's stream fails while changes are written, then the oplog forgets them: its position is lost.
      await admin.command({
        configureFailPoint: 'failCommand',
        mode: 'alwaysOn',
        data: { failCommands: ['getMore', 'aggregate'], errorCode: 2, appName },
      });
      await expect.poll(() => !relay.hub.ready, { message: 'the relay stream to fail' }).toBe(true);
      await products.insertOne(productDoc(3), { writeConcern: { w: 'majority' } });
      await backend.forgetHistory();
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });

      const { written } = await afterReset;
      await expect
        .poll(() => client.events().some((event) => event.product?.nombre === written), {
          message: 'the write made after the snapshot to arrive live',
          timeout: 10_000,
        })
        .toBe(true);
      expect(seen.find((message) => message.type === 'reset')).toEqual({ type: 'reset', streamOpen: true });
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    },
  );
});

describe('live from now, in the hub', () => {
  let relay: TestRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  it('holds the welcome of a client without a position until the source tails, and /readyz says so meanwhile', async () => {
    relay = await startRelay({}, { source: createManualSource({ ready: false }) });
    const client = await connect(relay.url, '', { waitWelcome: false });
    await expect.poll(() => relay!.relay.hub.stats().heldForFeed === 1, { message: 'the client to be held' }).toBe(true);
    const readyz = `http://127.0.0.1:${new URL(relay.url).port}/readyz`;
    expect((await fetch(readyz)).status).toBe(503);
    expect(client.messages).toEqual([]);

    relay.source.setReady(true);
    await expect.poll(() => client.messages.length > 0, { message: 'the welcome' }).toBe(true);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', resume: 'none' });
    relay.source.push([productEvent(1)]);
    expect(ids(await client.waitForEvents(1))).toEqual([productEvent(1).id]);
    expect((await fetch(readyz)).status).toBe(200);
    expect(relay.relay.hub.stats().heldForFeed).toBe(0);
  });

  it('answers a ping from a held client only after its welcome, so the welcome stays the first message', async () => {
    relay = await startRelay({}, { source: createManualSource({ ready: false }) });
    const client = await connect(relay.url, '', { waitWelcome: false });
    await expect.poll(() => relay!.relay.hub.stats().heldForFeed === 1, { message: 'the client to be held' }).toBe(true);
    client.ws.send(JSON.stringify({ type: 'ping' }));
    // A second client's ping, answered at once, shows the first one's ping has been read by now.
    const other = await connect(relay.url, 'since=' + productEvent(0).id, { waitWelcome: false });
    relay.source.push([productEvent(0)]);
    await expect.poll(() => other.messages.length > 0, { message: 'the resuming client to be welcomed' }).toBe(true);
    other.ws.send(JSON.stringify({ type: 'ping' }));
    await expect
      .poll(() => other.messages.some((message) => message.type === 'pong'), { message: 'the pong to the welcomed client' })
      .toBe(true);
    expect(client.messages).toEqual([]);

    relay.source.setReady(true);
    await expect.poll(() => client.messages.length >= 2, { message: 'the welcome and the pong' }).toBe(true);
    expect(client.messages.map((message) => message.type)).toEqual(['welcome', 'pong']);
    other.close();
  });

  it('forgets a held client that leaves before the source tails', async () => {
    relay = await startRelay({}, { source: createManualSource({ ready: false }) });
    const client = await connect(relay.url, '', { waitWelcome: false });
    await expect.poll(() => relay!.relay.hub.stats().heldForFeed === 1, { message: 'the client to be held' }).toBe(true);
    client.close();
    await client.closed;
    await expect.poll(() => relay!.relay.hub.stats().clients === 0, { message: 'the client to be forgotten' }).toBe(true);
    expect(relay.relay.hub.stats().heldForFeed).toBe(0);
  });

  it('sends a reset reported while the source is not tailing once it tails again, before its new events', async () => {
    relay = await startRelay();
    const client = await connect(relay.url);
    relay.source.push([productEvent(0)]);
    await client.waitForEvents(1);
    relay.source.setReady(false);
    relay.source.reset('relay-position-lost', 'lost');
    // A client that arrives meanwhile is new: it gets its welcome, not a reset, once the source tails.
    const newcomer = await connect(relay.url, '', { waitWelcome: false });
    await expect.poll(() => relay!.relay.hub.stats().heldForFeed === 2, { message: 'both clients to be held' }).toBe(true);
    expect(client.messages.map((message) => message.type)).toEqual(['welcome', 'event']);

    relay.source.setReady(true);
    relay.source.push([productEvent(1)]);
    await client.waitForEvents(2);
    expect(client.messages.map((message) => (message.type === 'event' ? message.id : message.type))).toEqual([
      'welcome',
      productEvent(0).id,
      'reset',
      productEvent(1).id,
    ]);
    await newcomer.waitForEvents(1);
    expect(newcomer.messages.map((message) => (message.type === 'event' ? message.id : message.type))).toEqual([
      'welcome',
      productEvent(1).id,
    ]);
  });
});
