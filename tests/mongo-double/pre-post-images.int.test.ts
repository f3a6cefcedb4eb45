// Pre- and post-images as MongoDB 6.0+ records them: only for collections created or modified with
// changeStreamPreAndPostImages enabled, only for writes made while enabled; streams ask for them
// with fullDocument / fullDocumentBeforeChange 'whenAvailable' (null when missing) or 'required'
// (the stream fails with NoMatchingDocument, 47).
import type { ChangeStreamDocument, Document, MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, testDatabaseName } from '../harness/mongo.js';
import { collectEvents } from './streams.js';

type Event = ChangeStreamDocument<Document> & { fullDocument?: Document | null; fullDocumentBeforeChange?: Document | null };

describe('change stream pre- and post-images through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('gives update, replace and delete events their images once collMod enables them', async () => {
    const db = client.db(dbName);
    const items = db.collection('modded');
    await items.insertOne({ _id: 1, n: 1 } as Document);
    await db.command({ collMod: 'modded', changeStreamPreAndPostImages: { enabled: true } });
    const stream = items.watch([], { fullDocument: 'required', fullDocumentBeforeChange: 'required' });
    const events = (await collectEvents(stream, 3, async () => {
      await items.updateOne({ _id: 1 } as Document, { $set: { n: 2 } });
      await items.replaceOne({ _id: 1 } as Document, { m: 3 });
      await items.deleteOne({ _id: 1 } as Document);
    })) as Event[];
    await stream.close();
    expect(events.map((event) => [event.operationType, event.fullDocument ?? null, event.fullDocumentBeforeChange])).toEqual([
      ['update', { _id: 1, n: 2 }, { _id: 1, n: 1 }],
      ['replace', { _id: 1, m: 3 }, { _id: 1, n: 2 }],
      ['delete', null, { _id: 1, m: 3 }],
    ]);
  });

  it('records images for a collection created with the option, and lists the option', async () => {
    const db = client.db(dbName);
    await db.createCollection('created', { changeStreamPreAndPostImages: { enabled: true } });
    const [info] = await db.listCollections({ name: 'created' }).toArray();
    expect(info).toMatchObject({ options: { changeStreamPreAndPostImages: { enabled: true } } });
    const items = db.collection('created');
    await items.insertOne({ _id: 'a', n: 1 } as Document);
    const stream = items.watch([], { fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' });
    const [event] = (await collectEvents(stream, 1, () => items.updateOne({ _id: 'a' } as Document, { $inc: { n: 1 } }))) as Event[];
    await stream.close();
    expect(event).toMatchObject({
      operationType: 'update',
      fullDocument: { _id: 'a', n: 2 },
      fullDocumentBeforeChange: { _id: 'a', n: 1 },
    });
  });

  it("answers null for images a collection does not record when asked with 'whenAvailable'", async () => {
    const items = client.db(dbName).collection('plain');
    await items.insertOne({ _id: 1, n: 1 } as Document);
    const stream = items.watch([], { fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' });
    const [update, remove] = (await collectEvents(stream, 2, async () => {
      await items.updateOne({ _id: 1 } as Document, { $set: { n: 2 } });
      await items.deleteOne({ _id: 1 } as Document);
    })) as Event[];
    await stream.close();
    expect(update).toMatchObject({ operationType: 'update', fullDocument: null, fullDocumentBeforeChange: null });
    expect(remove).toMatchObject({ operationType: 'delete', fullDocumentBeforeChange: null });
    expect(
      'fullDocumentBeforeChange' in
        (await (async () => {
          const off = items.watch();
          const [insert] = await collectEvents(off, 1, () => items.insertOne({ _id: 2 } as Document));
          await off.close();
          return insert as Document;
        })()),
    ).toBe(false);
  });

  it('fails a stream that requires an image the collection did not record with NoMatchingDocument (47)', async () => {
    const items = client.db(dbName).collection('required');
    await items.insertMany([{ _id: 1 }, { _id: 2 }] as Document[]);
    for (const options of [{ fullDocumentBeforeChange: 'required' }, { fullDocument: 'required' }] as const) {
      const stream = items.watch([], options);
      const failure = collectEvents(stream, 1, () => items.updateOne({ _id: 1 } as Document, { $inc: { n: 1 } })).then(
        () => null,
        (error: unknown) => error as MongoServerError,
      );
      const error = await failure;
      await stream.close();
      expect(error, JSON.stringify(options)).toMatchObject({ code: 47 });
      expect(error?.message).toMatch(/Change stream was configured to require a (pre|post)-image/);
    }
  });

  it('refuses collMod on a missing collection and a malformed changeStreamPreAndPostImages', async () => {
    const db = client.db(dbName);
    await expect(db.command({ collMod: 'nowhere', changeStreamPreAndPostImages: { enabled: true } })).rejects.toMatchObject({ code: 26 });
    await db.createCollection('malformed');
    await expect(db.command({ collMod: 'malformed', changeStreamPreAndPostImages: {} })).rejects.toMatchObject({ code: 40414 });
    await expect(db.command({ collMod: 'malformed', changeStreamPreAndPostImages: { enabled: 'yes' } })).rejects.toMatchObject({
      code: 14,
    });
  });
});
