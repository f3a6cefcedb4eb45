import { describe, expect, it } from 'vitest';
import { planRealMongod } from './backend.js';
import { controllableMongoUnavailable } from './controllable-mongo.js';
import { testDatabaseName } from './mongo.js';

describe('test harness', () => {
  it('gives each file a distinct, valid database name', () => {
    const url = 'file:///work/main/tests/relay/a-rather-long-file-name-for-a-relay-test-that-goes-on.test.ts';
    const first = testDatabaseName(url);
    const second = testDatabaseName(url);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^t_a-rather-long-file-name[A-Za-z0-9_-]*_[0-9a-f]{8}$/);
    expect(first.length).toBeLessThanOrEqual(63);
    expect(testDatabaseName('odd label/with.dots $x')).toMatch(/^t_odd_label_with_dots__x_[0-9a-f]{8}$/);
  });

  it('uses a real mongod only when one is named or a download is asked for', async () => {
    expect(await planRealMongod({ MONGOMS_SYSTEM_BINARY: '/opt/mongod' })).toEqual({ binary: '/opt/mongod', requested: true });
    expect(await planRealMongod({ MONGOMS_DOWNLOAD: '1' })).toEqual({ requested: true });
  });

  it('refuses to hand a shared MONGO_URL deployment to fault tests', () => {
    expect(controllableMongoUnavailable({ MONGO_URL: 'mongodb://db:27017/?replicaSet=rs0' })).toMatch(/MONGO_URL/);
    expect(controllableMongoUnavailable({})).toBeNull();
  });
});
