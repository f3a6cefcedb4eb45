// What the double does not implement it refuses with a server error naming it (CommandNotSupported,
// 115), never by answering something MongoDB would not. These are the double's own answers: other
// backends implement the features, so the tests skip there.
import type { Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, mongoBackend, testDatabaseName } from '../harness/mongo.js';

describe('clear refusals of the double through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);
  const refusal = (name: string) => ({ code: 115, codeName: 'CommandNotSupported', message: expect.stringContaining(name) as unknown });

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('refuses collection options it would not enforce', async (context) => {
    if (mongoBackend() !== 'double') return context.skip('mongod enforces these options');
    const db = client.db(dbName);
    for (const [name, options] of [
      ['validator', { validator: { a: { $exists: true } } }],
      ['capped', { capped: true, size: 4096 }],
      ['timeseries', { timeseries: { timeField: 't' } }],
    ] as Array<[string, Document]>) {
      await expect(db.createCollection(`opt_${name}`, options)).rejects.toMatchObject(refusal(name));
    }
    await db.createCollection('modded');
    await expect(db.command({ collMod: 'modded', validator: { a: { $exists: true } } })).rejects.toMatchObject(refusal('validator'));
  });

  it('refuses a fail point it does not implement, naming it', async (context) => {
    if (mongoBackend() !== 'double') return context.skip('mongod has many more fail points');
    await expect(client.db('admin').command({ configureFailPoint: 'hangBeforeGetMore', mode: 'off' })).rejects.toMatchObject(
      refusal('hangBeforeGetMore'),
    );
  });
});
