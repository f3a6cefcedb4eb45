import { createServer } from 'node:net';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { silentLogger } from '../../common/logger.js';
import { apiFixture, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeAll(async () => {
  api = await apiFixture(import.meta.url);
});
afterAll(() => api?.close());

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('health and readiness', () => {
  it('answers /healthz and /readyz with 200 while MongoDB is reachable', async () => {
    const health = await api.send('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await api.send('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('answers /readyz with 503 when no MongoDB primary can be reached, while /healthz stays 200', async () => {
    const client = new MongoClient(`mongodb://127.0.0.1:${await closedPort()}/?directConnection=true`, { serverSelectionTimeoutMS: 300 });
    try {
      const app = createApp({ db: client.db('api_readiness_unreachable'), logger: silentLogger() });
      const ready = await app.request('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.headers.get('content-type')).toBe('application/problem+json');
      expect(await ready.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/MongoDB primary/) });
      expect((await app.request('/healthz')).status).toBe(200);
      // A request that needs the database gets 503 too, not a 500.
      const list = await app.request('/api/product/');
      expect(list.status).toBe(503);
    } finally {
      await client.close();
    }
  });
});
