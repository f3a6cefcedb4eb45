import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../chaos/free-port.js';
import { startService, type ServiceProcess } from '../../chaos/service-process.js';
import { controllableMongoUnavailable, startControllableMongo, type ControllableMongo } from '../harness/controllable-mongo.js';
import { testDatabaseName } from '../harness/mongo.js';

// Services started before MongoDB: they must listen, say "not ready", and become ready on their own
// within seconds of MongoDB coming up, however long it was away. Until this was fixed, a client whose
// first connect failed kept a closed topology forever (relay: readyz 503 for good; API: exit 1).

const skip = controllableMongoUnavailable();
const database = testDatabaseName(import.meta.url);
const services: ServiceProcess[] = [];
let mongo: ControllableMongo | null = null;

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop('SIGKILL')));
  await mongo?.stop();
  mongo = null;
});

/** The URL of a MongoDB that is not there yet; the short selection timeout makes the first connect fail fast. */
function lateUrl(port: number): string {
  return `mongodb://127.0.0.1:${port}/?replicaSet=rs0&serverSelectionTimeoutMS=500&connectTimeoutMS=500`;
}

const shortTimeouts = { MONGO_SERVER_SELECTION_TIMEOUT_MS: '500', MONGO_CONNECT_TIMEOUT_MS: '500' };

/** Resolves once the service has logged a warning or worse (its first failed attempt to reach MongoDB). */
async function firstFailure(service: ServiceProcess): Promise<void> {
  await expect.poll(() => service.stdout.some((line) => /"level":(40|50)/.test(line)), { timeout: 20_000, interval: 100 }).toBe(true);
}

async function status(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

describe.skipIf(skip)('services started before MongoDB', () => {
  it('the relay listens, says not ready, and tails within seconds of MongoDB coming up', async () => {
    const mongoPort = await freePort();
    const relayPort = await freePort();
    const relay = startService({
      entry: 'relay/main.ts',
      env: { MONGO_URL: lateUrl(mongoPort), MONGO_DB: database, RELAY_HOST: '127.0.0.1', RELAY_PORT: String(relayPort), ...shortTimeouts },
    });
    services.push(relay);
    await firstFailure(relay);
    expect(await status(`http://127.0.0.1:${relayPort}/healthz`)).toBe(200);
    expect(await status(`http://127.0.0.1:${relayPort}/readyz`)).toBe(503);

    mongo = await startControllableMongo({ port: mongoPort });
    await expect.poll(() => status(`http://127.0.0.1:${relayPort}/readyz`), { timeout: 20_000, interval: 200 }).toBe(200);
    expect(relay.child.exitCode).toBeNull();
  });

  it('the API listens, answers 503 with Retry-After, and writes within seconds of MongoDB coming up', async () => {
    const mongoPort = await freePort();
    const apiPort = await freePort();
    const api = startService({
      entry: 'api/main.ts',
      env: { MONGO_URL: lateUrl(mongoPort), MONGO_DB: database, API_HOST: '127.0.0.1', API_PORT: String(apiPort), ...shortTimeouts },
    });
    services.push(api);
    const base = `http://127.0.0.1:${apiPort}`;
    await firstFailure(api);
    await expect.poll(() => status(`${base}/healthz`), { timeout: 10_000 }).toBe(200);
    expect(await status(`${base}/readyz`)).toBe(503);
    const early = await fetch(`${base}/api/product/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nombre: 'too early', precio: 1, talla: 'S' }),
    });
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toMatch(/^\d+$/);

    mongo = await startControllableMongo({ port: mongoPort });
    await expect.poll(() => status(`${base}/readyz`), { timeout: 20_000, interval: 200 }).toBe(200);
    const created = await fetch(`${base}/api/product/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nombre: 'on time', precio: 1, talla: 'S' }),
    });
    expect(created.status).toBe(201);
    const check = new MongoClient(mongo!.url);
    try {
      expect(await check.db(database).collection('products').countDocuments({ nombre: 'on time' })).toBe(1);
      // Its indexes were made once MongoDB came.
      const names = (await check.db(database).collection('idempotency_keys').indexes()).map((index) => index.name);
      expect(names).toContain('createdAt_1');
    } finally {
      await check.close();
    }
  });
});
