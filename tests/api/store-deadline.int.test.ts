import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { silentLogger } from '../../common/logger.js';
import { connectClient, testDatabaseName } from '../harness/mongo.js';

// Every MongoDB call of a request is bounded: a database that never answers gives a 503 with
// Retry-After at the deadline, never a request that hangs.

describe('a request whose database call never answers', () => {
  it('answers 503 with Retry-After once the operation deadline passes', async () => {
    const client = await connectClient();
    try {
      const db = client.db(testDatabaseName(import.meta.url));
      // A db whose every collection operation hangs, as against a stalled MongoDB.
      const silent = new Proxy(db, {
        get(target, property, receiver) {
          if (property !== 'collection') return Reflect.get(target, property, receiver);
          return () => new Proxy({}, { get: () => () => new Promise(() => {}) });
        },
      });
      const app = createApp({ db: silent, logger: silentLogger(), operationTimeoutMs: 200 });
      const response = await app.request('/api/product/0123456789abcdef01234567');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/did not answer within 200 ms/) });
    } finally {
      await client.close();
    }
  });
});
