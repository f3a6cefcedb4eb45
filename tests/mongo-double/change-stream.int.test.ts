import type { ChangeStreamDocument, Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, testDatabaseName } from '../harness/mongo.js';

describe('change streams through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('delivers an insert to a waiting change stream', async () => {
    const products = client.db(dbName).collection('insert_wait');
    const stream = products.watch();
    try {
      const next = stream.next();
      // The stream is open once the driver holds a resume token; insert after that.
      await expect.poll(() => stream.resumeToken !== undefined).toBe(true);
      const { insertedId } = await products.insertOne({ nombre: 'iPhone 15', precio: 999.99, talla: 'L' });
      const event = (await next) as ChangeStreamDocument<Document>;
      expect(event.operationType).toBe('insert');
      if (event.operationType !== 'insert') return;
      expect(event.documentKey._id).toEqual(insertedId);
      expect(event.fullDocument).toMatchObject({ nombre: 'iPhone 15', precio: 999.99, talla: 'L' });
      expect(event.ns).toEqual({ db: dbName, coll: 'insert_wait' });
      expect(typeof event._id).toBe('object');
    } finally {
      await stream.close();
    }
  });
});
