import { MongoClient, MongoServerError, ObjectId, type CommandStartedEvent, type Db } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createIdempotencyStore, IDEMPOTENCY_COLLECTION, type IdempotencyRecord } from '../../api/idempotency-store.js';
import { ensureIndexes } from '../../api/indexes.js';
import { mongoErrorKind } from '../../api/mongo-error-kind.js';
import { isMongoUnavailable } from '../../api/mongo-unavailable.js';
import { createProductRepository, PRODUCTS_COLLECTION } from '../../api/product-repository.js';
import { silentLogger } from '../../common/logger.js';
import type { ProductDocument } from '../../contract/product-document.js';
import { failPointMongo, failPointsUnavailable } from '../e2e/system.js';
import { sampleValue } from '../harness/prometheus-text.js';
import { testDatabaseName } from '../harness/mongo.js';
import { SEED } from './api-fixture.js';

// Creates made in one event-loop turn share one insert command (api/grouped-inserts.ts), and each
// still gets its own document's outcome, as insertOne would have given it: the products and answers
// clients see, the errors the API maps to 409/500/503, and what reaches MongoDB, on the double and on
// a real replica set alike (fail points need test commands; those tests skip without them).

const DATABASE = testDatabaseName(import.meta.url);
const APP_NAME = `grouped-${DATABASE}`;

let mongo: { url: string; stop(): Promise<void> };
let client: MongoClient;
let db: Db;
let failPoints: string | null;
const inserts: number[] = [];
const claims: number[] = [];

beforeAll(async () => {
  mongo = await failPointMongo();
  client = new MongoClient(mongo.url, { appName: APP_NAME, monitorCommands: true, serverSelectionTimeoutMS: 15_000 });
  client.on('commandStarted', (event: CommandStartedEvent) => {
    if (event.commandName !== 'insert') return;
    if (event.command.insert === PRODUCTS_COLLECTION) inserts.push((event.command.documents as unknown[]).length);
    if (event.command.insert === IDEMPOTENCY_COLLECTION) claims.push((event.command.documents as unknown[]).length);
  });
  await client.connect();
  db = client.db(DATABASE);
  await ensureIndexes(db);
  failPoints = await failPointsUnavailable(db);
});

afterEach(async () => {
  inserts.length = 0;
  claims.length = 0;
  if (!failPoints) await db.admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => {});
  await client?.close();
  await mongo?.stop();
});

function product(nombre: string, _id = new ObjectId()): ProductDocument {
  const now = new Date();
  return { _id, nombre, precio: 10, talla: 'M', createdAt: now, updatedAt: now };
}

async function stored(ids: ObjectId[]): Promise<string[]> {
  const docs = await db
    .collection<ProductDocument>(PRODUCTS_COLLECTION)
    .find({ _id: { $in: ids } })
    .toArray();
  return docs.map((doc) => doc.nombre).sort();
}

/** Every promise's outcome, without letting one rejection hide the others. */
function outcomes(promises: Promise<void>[]): Promise<PromiseSettledResult<void>[]> {
  return Promise.allSettled(promises);
}

describe('creates grouped into one insert command', () => {
  it('sends the creates of one turn as one command and stores every product', async () => {
    const repository = createProductRepository(db, { maxDocuments: 1000 });
    const docs = Array.from({ length: 20 }, (_, i) => product(`turn ${i}`));
    const results = await outcomes(docs.map((doc) => repository.insert(doc)));

    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    expect(inserts).toEqual([20]);
    expect(await stored(docs.map((doc) => doc._id))).toEqual(docs.map((doc) => doc.nombre).sort());
  });

  it('sends at most maxDocuments per command, and each create alone with 1', async () => {
    const byThree = createProductRepository(db, { maxDocuments: 3 });
    await Promise.all(Array.from({ length: 7 }, (_, i) => byThree.insert(product(`three ${i}`))));
    expect(inserts).toEqual([3, 3, 1]);

    inserts.length = 0;
    const alone = createProductRepository(db, { maxDocuments: 1 });
    await Promise.all(Array.from({ length: 4 }, (_, i) => alone.insert(product(`alone ${i}`))));
    expect(inserts).toEqual([1, 1, 1, 1]);
  });

  it('fails only the create MongoDB refuses, with the duplicate-key error insertOne gives', async () => {
    const repository = createProductRepository(db, { maxDocuments: 1000 });
    const taken = product('first');
    await repository.insert(taken);
    inserts.length = 0;

    const others = [product('before'), product('after')];
    const results = await outcomes([
      repository.insert(others[0]!),
      repository.insert(product('copy', taken._id)),
      repository.insert(others[1]!),
    ]);

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refusal = (results[1] as PromiseRejectedResult).reason as unknown;
    expect(refusal).toBeInstanceOf(MongoServerError);
    expect(mongoErrorKind(refusal)).toBe('duplicate-key');
    // The group, then the refused document alone, so that its error is insertOne's own.
    expect(inserts).toEqual([3, 1]);
    expect(await stored([taken._id, ...others.map((doc) => doc._id)])).toEqual(['after', 'before', 'first']);
  });

  // 64: wtimeout; 79: a write concern naming a tag set no member has. Alone, insertOne throws a
  // MongoWriteConcernError; grouped, the bulk API's error carries it: both must count as write-concern.
  it.for([
    [64, 1],
    [64, 3],
    [79, 3],
  ] as const)(
    'answers write concern error %i like insertOne for a group of %i: written, not acknowledged',
    async ([code, size], context) => {
      if (failPoints) return context.skip(failPoints);
      const repository = createProductRepository(db, { maxDocuments: 1000 });
      await db.admin().command({
        configureFailPoint: 'failCommand',
        mode: { times: 1 },
        data: { failCommands: ['insert'], appName: APP_NAME, writeConcernError: { code, errmsg: 'write concern not satisfied' } },
      });
      const docs = Array.from({ length: size }, (_, i) => product(`unacknowledged ${code} ${size} ${i}`));
      const results = await outcomes(docs.map((doc) => repository.insert(doc)));

      expect(results.map((result) => result.status)).toEqual(docs.map(() => 'rejected'));
      for (const result of results) {
        const error = (result as PromiseRejectedResult).reason as unknown;
        expect(mongoErrorKind(error)).toBe('write-concern');
        expect(isMongoUnavailable(error)).toBe(false);
      }
      expect(inserts).toEqual([size]);
      expect(await stored(docs.map((doc) => doc._id))).toEqual(docs.map((doc) => doc.nombre).sort());
    },
  );

  it('gives every create of the group the driver’s own network error when MongoDB drops the connection', async (context) => {
    if (failPoints) return context.skip(failPoints);
    const repository = createProductRepository(db, { maxDocuments: 1000 });
    // Twice: the first attempt and the driver's one retry of a retryable write.
    await db.admin().command({
      configureFailPoint: 'failCommand',
      mode: { times: 2 },
      data: { failCommands: ['insert'], appName: APP_NAME, closeConnection: true },
    });
    const docs = [product('dropped 1'), product('dropped 2'), product('dropped 3')];
    const results = await outcomes(docs.map((doc) => repository.insert(doc)));

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results) {
      const error = (result as PromiseRejectedResult).reason as Error;
      expect(error.name).toBe('MongoNetworkError');
      expect(isMongoUnavailable(error)).toBe(true);
    }
    expect(await stored(docs.map((doc) => doc._id))).toEqual([]);
  });

  it('claims the Idempotency-Keys of one turn in one command, and a key claimed twice goes to one winner', async () => {
    const store = createIdempotencyStore(db, { maxDocuments: 1000 });
    const record = (key: string): IdempotencyRecord => ({
      key,
      requestHash: `hash of ${key}`,
      productId: new ObjectId(),
      createdAt: new Date(),
    });
    const [first, second, third, again] = [record('key-1'), record('key-2'), record('key-3'), record('key-1')];
    const answers = await Promise.all([first, second, third, again].map((claim) => store.claim(claim)));

    expect([answers[1], answers[2]]).toEqual([null, null]);
    // One of the two claims of key-1 wins (MongoDB does not promise an order within an unordered
    // insert); the other gets the winner's record, as a retry does.
    const [winner, loser] = answers[0] === null ? [first, answers[3]] : [again, answers[0]];
    expect(answers.filter((answer) => answer === null)).toHaveLength(3);
    expect(loser).toMatchObject({ key: 'key-1', productId: winner.productId });
    // The group of four, then the refused claim alone (its duplicate-key error sends it to the winner's record).
    expect(claims).toEqual([4, 1]);
  });

  it('answers concurrent POSTs each with its own product, and counts the products per command', async () => {
    const app = createApp({ db, logger: silentLogger() });
    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        app.request('/api/product/', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...SEED, nombre: `concurrent ${i}` }),
        }),
      ),
    );
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as { id: string; nombre: string }[];

    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 25 }, () => 201));
    expect(bodies.map((body) => body.nombre)).toEqual(Array.from({ length: 25 }, (_, i) => `concurrent ${i}`));
    expect(new Set(bodies.map((body) => body.id)).size).toBe(25);
    for (const body of bodies) {
      const read = await app.request(`/api/product/${body.id}`);
      expect(await read.json()).toEqual(body);
    }
    const metrics = await (await app.request('/metrics')).text();
    expect(sampleValue(metrics, 'api_product_insert_documents_sum', {})).toBe(25);
    expect(sampleValue(metrics, 'api_product_insert_documents_count', {})).toBe(inserts.length);
  });
});
