import { describe, expect, it } from 'vitest';
import { planMongoBackend, readMongoBackendChoice } from '../../common/mongo-backend.js';
import { controllableMongoUnavailable } from './controllable-mongo.js';
import { testDatabaseName } from './mongo.js';
import { tamperSignature } from './tampered-token.js';

describe('test harness', () => {
  it('tampers a token so that its signature bytes always change', () => {
    const signature = (token: string) => Buffer.from(token.split('.')[2] ?? '', 'base64url');
    // 32 bytes whose base64url ends in "AA" (what the old tail overwrite produced) and one starting with "A".
    const endsInAA = `h.p.${Buffer.alloc(32).fill(1, 0, 30).toString('base64url')}`;
    const startsWithA = `h.p.${Buffer.alloc(32).toString('base64url')}`;
    expect(endsInAA.endsWith('AA')).toBe(true);
    for (const token of [endsInAA, startsWithA]) {
      const tampered = tamperSignature(token);
      expect(tampered.split('.').slice(0, 2)).toEqual(['h', 'p']);
      expect(tampered.length).toBe(token.length);
      expect(signature(tampered).equals(signature(token))).toBe(false);
    }
  });

  it('gives each file a distinct, valid database name', () => {
    const url = 'file:///work/main/tests/relay/a-rather-long-file-name-for-a-relay-test-that-goes-on.test.ts';
    const first = testDatabaseName(url);
    const second = testDatabaseName(url);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^t_a-rather-long-file-name[A-Za-z0-9_-]*_[0-9a-f]{8}$/);
    expect(first.length).toBeLessThanOrEqual(63);
    expect(testDatabaseName('odd label/with.dots $x')).toMatch(/^t_odd_label_with_dots__x_[0-9a-f]{8}$/);
  });

  it('chooses MONGO_URL first, and a real mongod when a download is asked for in any yes spelling', async () => {
    expect(
      await planMongoBackend(readMongoBackendChoice({ MONGO_URL: 'mongodb://db:27017/?replicaSet=rs0', MONGOMS_DOWNLOAD: '1' })),
    ).toEqual({
      kind: 'external',
      url: 'mongodb://db:27017/?replicaSet=rs0',
    });
    for (const yes of ['1', 'true', 'yes']) {
      expect(await planMongoBackend(readMongoBackendChoice({ MONGOMS_DOWNLOAD: yes }))).toEqual({
        kind: 'mongod',
        binary: undefined,
        requested: true,
      });
    }
  });

  it('says why, and that a real mongod was asked for, when MONGOMS_SYSTEM_BINARY names nothing', async () => {
    const plan = await planMongoBackend(readMongoBackendChoice({ MONGOMS_SYSTEM_BINARY: '/nonexistent/mongod' }));
    expect(plan).toMatchObject({ kind: 'double', requested: true, reason: expect.stringMatching(/MONGOMS_SYSTEM_BINARY is unusable/) });
  });

  it('refuses to hand a shared MONGO_URL deployment to fault tests', () => {
    expect(controllableMongoUnavailable({ MONGO_URL: 'mongodb://db:27017/?replicaSet=rs0' })).toMatch(/MONGO_URL/);
    expect(controllableMongoUnavailable({})).toBeNull();
  });
});
