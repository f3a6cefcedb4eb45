import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import type { ProductDocument } from '../../contract/product-document.js';
import { listen } from '../../api/server.js';
import { silentLogger } from '../../common/logger.js';
import { failingStores } from './stub-stores.js';

/** A repository whose `get` answers only when the test says so, to hold a request in flight. */
function heldRepository() {
  let arrived!: () => void;
  let release!: (doc: ProductDocument) => void;
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  const answer = new Promise<ProductDocument>((resolve) => (release = resolve));
  const stores = failingStores(new Error('not used'));
  stores.repository.get = () => {
    arrived();
    return answer;
  };
  return { stores, requestArrived, release };
}

describe('API server shutdown', () => {
  it('stops accepting connections at once but finishes the request in flight', async () => {
    const { stores, requestArrived, release } = heldRepository();
    const server = await listen(createApp({ logger: silentLogger(), ...stores, ready: async () => true }), { host: '127.0.0.1', port: 0 });
    const id = new ObjectId();

    const inFlight = fetch(`${server.url}/api/product/${id.toHexString()}`);
    await requestArrived;
    const closed = server.close(60_000); // resolves well before the grace period only if the busy connection closes after its answer

    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    const now = new Date('2026-01-02T03:04:05.000Z');
    release({ _id: id, nombre: 'iPhone 15', precio: 999.99, talla: 'L', createdAt: now, updatedAt: now });
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: id.toHexString(), nombre: 'iPhone 15', createdAt: '2026-01-02T03:04:05.000Z' });
    await closed;
  });

  it('closes idle keep-alive connections so shutdown does not wait for them', async () => {
    const server = await listen(createApp({ logger: silentLogger(), ...failingStores(new Error('x')), ready: async () => true }), {
      host: '127.0.0.1',
      port: 0,
    });
    const response = await fetch(`${server.url}/healthz`, { headers: { connection: 'keep-alive' } });
    expect(response.status).toBe(200);
    await response.text();
    // With a 60 s grace period, only closing the idle connection lets this resolve within the test timeout.
    await server.close(60_000);
  });
});
