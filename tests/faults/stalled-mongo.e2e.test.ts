import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../chaos/free-port.js';
import { startService, waitUntilServing, type ServiceProcess } from '../../chaos/service-process.js';
import { controllableMongoUnavailable, startControllableMongo, type ControllableMongo } from '../harness/controllable-mongo.js';
import { testDatabaseName } from '../harness/mongo.js';

// A stalled MongoDB (process stopped, sockets open) must turn into bounded answers and honest
// readiness, never hangs: the API answers 503 with Retry-After, the relay's /readyz turns 503 while
// its change stream makes no progress and 200 when it moves again, and SIGTERM still ends both.

const skip = controllableMongoUnavailable();
const database = testDatabaseName(import.meta.url);
let mongo: ControllableMongo | null = null;
let api: ServiceProcess;
let relay: ServiceProcess;
let apiBase: string;
let relayBase: string;

async function status(url: string, init: RequestInit = {}): Promise<number> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

const create = (nombre: string) =>
  fetch(`${apiBase}/api/product/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nombre, precio: 1, talla: 'S' }),
    // Far longer than the API's own bound: a hang shows as a failure, not as a slow pass.
    signal: AbortSignal.timeout(25_000),
  });

beforeAll(async () => {
  if (skip) return;
  mongo = await startControllableMongo();
  const [apiPort, relayPort] = [await freePort(), await freePort()];
  apiBase = `http://127.0.0.1:${apiPort}`;
  relayBase = `http://127.0.0.1:${relayPort}`;
  const env = { MONGO_URL: mongo!.url, MONGO_DB: database };
  api = startService({ entry: 'api/main.ts', env: { ...env, API_HOST: '127.0.0.1', API_PORT: String(apiPort) } });
  relay = startService({
    entry: 'relay/main.ts',
    env: { ...env, RELAY_HOST: '127.0.0.1', RELAY_PORT: String(relayPort), RELAY_STREAM_STALL_MS: '3000', RELAY_DRAIN_MS: '500' },
  });
  await waitUntilServing(api, `${apiBase}/readyz`, 25_000);
  await waitUntilServing(relay, `${relayBase}/readyz`, 25_000);
}, 60_000);

afterAll(async () => {
  await mongo?.resume();
  await Promise.all([api?.stop('SIGKILL'), relay?.stop('SIGKILL')]);
  await mongo?.stop();
});

describe.skipIf(skip)('a stalled MongoDB (stopped, sockets open)', () => {
  it('API writes answer 503 with Retry-After, the relay says not ready, and both recover when it continues', async () => {
    expect((await create('before the stall')).status).toBe(201);
    await mongo!.pause();
    try {
      const stalled = await create('during the stall');
      expect(stalled.status).toBe(503);
      expect(stalled.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(stalled.headers.get('content-type')).toBe('application/problem+json');
      await expect.poll(() => status(`${relayBase}/readyz`), { timeout: 20_000, interval: 250 }).toBe(503);
      expect(await status(`${apiBase}/readyz`)).toBe(503);
      // Stalled is not stuck: nothing here needs a restart.
      expect(await status(`${relayBase}/healthz`)).toBe(200);
    } finally {
      await mongo!.resume();
    }
    await expect.poll(() => status(`${relayBase}/readyz`), { timeout: 30_000, interval: 250 }).toBe(200);
    await expect.poll(async () => (await create('after the stall')).status, { timeout: 30_000, interval: 500 }).toBe(201);
  }, 90_000);

  it('SIGTERM during a stall still ends both processes with exit 0', async () => {
    await mongo!.pause();
    try {
      const [relayExit, apiExit] = await Promise.all([relay.stop('SIGTERM', 25_000), api.stop('SIGTERM', 25_000)]);
      expect(relayExit).toEqual({ code: 0, signal: null });
      expect(apiExit).toEqual({ code: 0, signal: null });
    } finally {
      await mongo!.resume();
    }
  }, 60_000);
});
