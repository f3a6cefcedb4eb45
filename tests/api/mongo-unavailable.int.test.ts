import { connect, createServer } from 'node:net';
import { MongoClient, MongoNetworkError, MongoServerError, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { ensureIndexes } from '../../api/indexes.js';
import { silentLogger } from '../../common/logger.js';
import { failPointMongo } from '../e2e/system.js';
import { testDatabaseName } from '../harness/mongo.js';

// Any failure to reach MongoDB is a 503 the client may retry (problem+json, Retry-After, nothing about
// the internals); a bug stays a 500. First through the real driver, with MongoDB failing commands the
// way a failover does (failCommand, as on a mongod with test commands enabled); then the raw socket
// error the driver lets through unwrapped, which no fail point can provoke on demand.

const DATABASE = testDatabaseName(import.meta.url);
const APP_NAME = `unavailable-${DATABASE}`;
const SEED = JSON.stringify({ nombre: 'iPhone 15', precio: 999.99, talla: 'L' });
const json = { 'content-type': 'application/json' };

/** Asserts a 503 problem a client can act on, and that it says nothing about MongoDB's internals. */
async function expectUnavailable(response: Response): Promise<void> {
  const text = await response.text();
  expect({ status: response.status, retryAfter: response.headers.get('retry-after'), type: response.headers.get('content-type') }).toEqual({
    status: 503,
    retryAfter: '1',
    type: 'application/problem+json',
  });
  expect(JSON.parse(text)).toMatchObject({
    status: 503,
    title: 'Service Unavailable',
    detail: expect.stringMatching(/database is unavailable/),
  });
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|socket|connection|Mongo|failpoint|errmsg|code/i);
}

describe('API answers while MongoDB drops connections or has no primary (real driver)', () => {
  let mongo: { url: string; stop(): Promise<void> };
  let client: MongoClient;
  let db: Db;
  let app: ReturnType<typeof createApp>;
  let unavailable: string | null = null;

  beforeAll(async () => {
    mongo = await failPointMongo();
    // Its own appName, so its fail points reach this client and nothing else on a shared MongoDB.
    // After an injected NotWritablePrimary the driver marks the server unknown until its monitor's next
    // hello, which may be an awaitable one held up to 10 s: selection must outwait it, or the next
    // command (turning the fail point off) fails on a loaded machine.
    client = new MongoClient(mongo.url, { appName: APP_NAME, serverSelectionTimeoutMS: 15_000 });
    await client.connect();
    db = client.db(DATABASE);
    await ensureIndexes(db);
    app = createApp({ db, logger: silentLogger() });
    unavailable = await db
      .admin()
      .command({ configureFailPoint: 'failCommand', mode: 'off' })
      .then(
        () => null,
        (error: Error) => `configureFailPoint is not available (test commands disabled?): ${error.message}`,
      );
  });

  afterAll(async () => {
    await db
      ?.admin()
      .command({ configureFailPoint: 'failCommand', mode: 'off' })
      .catch(() => {});
    await db?.dropDatabase().catch(() => {});
    await client?.close();
    await mongo?.stop();
  });

  async function failNext(commands: string[], times: number, data: Record<string, unknown>): Promise<void> {
    await db
      .admin()
      .command({ configureFailPoint: 'failCommand', mode: { times }, data: { failCommands: commands, appName: APP_NAME, ...data } });
  }
  /** Turns the fail point off; resolves how many commands it failed. */
  async function failNoMore(): Promise<number> {
    const { count } = await db.admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
    return Number(count);
  }

  it('answers 503 when MongoDB closes the connection in the middle of a create, also on the retry', async ({ skip }) => {
    if (unavailable) skip(unavailable);
    // Two: the driver retries a write once after a network error; both attempts lose their connection.
    await failNext(['insert'], 2, { closeConnection: true });
    await expectUnavailable(await app.request('/api/product/', { method: 'POST', headers: json, body: SEED }));
    expect(await failNoMore()).toBe(2);
    // Once MongoDB stops dropping connections, the driver reconnects and the next create goes through.
    const created = await app.request('/api/product/', { method: 'POST', headers: json, body: SEED });
    expect(created.status).toBe(201);
  });

  it('answers 503 when MongoDB closes the connection in the middle of a list read', async ({ skip }) => {
    if (unavailable) skip(unavailable);
    await failNext(['find'], 2, { closeConnection: true });
    await expectUnavailable(await app.request('/api/product/'));
    await failNoMore();
    expect((await app.request('/api/product/')).status).toBe(200);
  });

  it('answers 503 when the server is stepping down or cannot reach its peers, not 500', async ({ skip }) => {
    if (unavailable) skip(unavailable);
    // A list is a plain command (never retried): the server's answer reaches the API as it is.
    for (const code of [10107 /* NotWritablePrimary */, 91 /* ShutdownInProgress */, 89 /* NetworkTimeout */, 6 /* HostUnreachable */]) {
      await failNext(['find'], 1, { errorCode: code });
      const response = await app.request('/api/product/');
      expect(response.status, `code ${code}`).toBe(503);
      await failNoMore();
    }
    // A failure that is the request's own problem stays a 500.
    await failNext(['find'], 1, { errorCode: 2 /* BadValue */ });
    expect((await app.request('/api/product/')).status).toBe(500);
    await failNoMore();
  });

  it('answers 503 when a snapshot read stays unavailable after its retries, and 200 once it is served', async ({ skip }) => {
    if (unavailable) skip(unavailable);
    // The list tries a snapshot read up to three times on SnapshotUnavailable (246); the third failure reaches the client.
    await failNext(['find'], 3, { errorCode: 246 });
    await expectUnavailable(await app.request('/api/product/'));
    expect(await failNoMore()).toBe(3);
    await failNext(['find'], 2, { errorCode: 246 });
    expect((await app.request('/api/product/')).status).toBe(200);
    await failNoMore();
  });
});

/** The error Node itself raises when a socket is written to after the other side ended it. */
async function socketEndedByPeerError(): Promise<Error> {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    return await new Promise<Error>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', resolve);
      // Our side ends too (as a socket without allowHalfOpen does), then the driver writes its command.
      socket.once('end', () => {
        socket.end();
        socket.write('command');
      });
    });
  } finally {
    server.close();
  }
}

/** A database whose every collection call and command fails with `error`, as a driver that lost its socket. */
function dbFailingWith(error: Error): Db {
  const fail = () => Promise.reject(error);
  const collection = { insertOne: fail, findOne: fail, findOneAndReplace: fail, findOneAndUpdate: fail, deleteOne: fail, updateOne: fail };
  return { collection: () => collection, command: fail } as unknown as Db;
}

describe('API answers to errors the driver passes through unwrapped', () => {
  it('answers 503, not 500, to the raw "socket has been ended by the other party" error', async () => {
    // Driver 7.x awaits `once(socket, 'drain')` after a write, which rejects with the socket's own error.
    const ended = await socketEndedByPeerError();
    expect(ended).not.toBeInstanceOf(MongoServerError);
    expect(ended.message).toBe('This socket has been ended by the other party');
    const app = createApp({ db: dbFailingWith(ended), logger: silentLogger() });

    await expectUnavailable(await app.request('/api/product/', { method: 'POST', headers: json, body: SEED }));
    await expectUnavailable(await app.request('/api/product/'));
    await expectUnavailable(await app.request('/api/product/65a1b2c3d4e5f60718293a4b'));
  });

  it('answers 503 to a reset socket and to a network error wrapped by another layer', async () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
    const wrapped = new Error('could not load the product', { cause: new MongoNetworkError('connection 4 to 127.0.0.1:27017 closed') });
    const stepDown = new MongoServerError({ errmsg: 'not primary', code: 10107 });
    const resetPool = new MongoServerError({ errmsg: 'pool reset', errorLabels: ['ResetPool'] });
    for (const error of [reset, wrapped, stepDown, resetPool]) {
      const app = createApp({ db: dbFailingWith(error), logger: silentLogger() });
      expect((await app.request('/api/product/')).status, error.message).toBe(503);
    }
  });

  it('still answers 500 to genuine bugs, including a MongoDB error that is not about availability', async () => {
    const bugs = [
      new TypeError("Cannot read properties of undefined (reading 'createdAt')"),
      new MongoServerError({ errmsg: 'unknown operator: $foo', code: 2 }),
      new Error('product of an idempotent create was inserted and is gone', {
        cause: new MongoServerError({ errmsg: 'E11000 duplicate key', code: 11000 }),
      }),
      Object.assign(new Error('invalid argument'), { code: 'ERR_INVALID_ARG_TYPE' }),
    ];
    for (const error of bugs) {
      const app = createApp({ db: dbFailingWith(error), logger: silentLogger() });
      const response = await app.request('/api/product/');
      expect(response.status, error.message).toBe(500);
      expect(response.headers.get('retry-after')).toBeNull();
    }
  });
});
