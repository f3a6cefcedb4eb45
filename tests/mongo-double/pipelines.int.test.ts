// Pipelines as mongod 7.0 parses them: stage names checked before anything runs, the stages a
// change stream permits, and database-level aggregate ($documents). What the double does not run
// it refuses by name (CommandNotSupported), which only the double does.
import type { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, mongoBackend, testDatabaseName } from '../harness/mongo.js';

describe('aggregation pipelines through the official driver', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);
  const onlyTheDouble = (): string | null => (mongoBackend() === 'double' ? null : 'a refusal of the double; mongod runs this stage');
  const failure = async (run: () => Promise<unknown>): Promise<MongoServerError> =>
    (await run().then(
      () => null,
      (error: unknown) => error,
    )) as MongoServerError;

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('answers an unknown stage after $changeStream with Unrecognized pipeline stage name (40324)', async () => {
    const stream = client
      .db(dbName)
      .collection('unknown_stage')
      .watch([{ $nosuchstage: {} }]);
    const error = await failure(() => stream.tryNext());
    await stream.close();
    expect(error).toMatchObject({ code: 40324, codeName: 'Location40324' });
    expect(error.message).toContain("Unrecognized pipeline stage name: '$nosuchstage'");
  });

  it('refuses a known stage that a change stream does not permit, naming it', async () => {
    const stream = client
      .db(dbName)
      .collection('forbidden_stage')
      .watch([{ $group: { _id: '$operationType' } }]);
    const error = await failure(() => stream.tryNext());
    await stream.close();
    expect(error).toMatchObject({ code: 20, codeName: 'IllegalOperation' });
    expect(error.message).toContain('$group is not permitted in a $changeStream pipeline');
  });

  it('answers an unknown stage in a collection pipeline with 40324, and a $changeStream that is not first with 40602', async () => {
    const items = client.db(dbName).collection('plain');
    await items.insertOne({ n: 1 });
    expect(await failure(() => items.aggregate([{ $match: {} }, { $nosuchstage: 1 }]).toArray())).toMatchObject({ code: 40324 });
    expect(await failure(() => items.aggregate([{ $match: {} }, { $changeStream: {} }]).toArray())).toMatchObject({ code: 40602 });
  });

  it('runs a database-level $documents pipeline, and wants a collection for other stages', async () => {
    const db = client.db(dbName);
    const docs = await db
      .aggregate([{ $documents: [{ n: 1 }, { n: 2 }, { n: 3 }] }, { $match: { n: { $gte: 2 } } }, { $project: { _id: 0, n: 1 } }])
      .toArray();
    expect(docs).toEqual([{ n: 2 }, { n: 3 }]);
    expect(await failure(() => db.aggregate([{ $match: {} }]).toArray())).toMatchObject({ code: 73, codeName: 'InvalidNamespace' });
  });

  it('refuses by name the stages the double does not run: $out, $merge, $currentOp', async (context) => {
    const reason = onlyTheDouble();
    if (reason) return context.skip(reason);
    const items = client.db(dbName).collection('writing');
    await items.insertOne({ n: 1 });
    for (const stage of [{ $out: 'elsewhere' }, { $merge: { into: 'elsewhere' } }]) {
      const error = await failure(() => items.aggregate([stage]).toArray());
      expect(error).toMatchObject({ code: 115, codeName: 'CommandNotSupported' });
      expect(error.message).toContain(Object.keys(stage)[0]);
    }
    const currentOp = await failure(() =>
      client
        .db('admin')
        .aggregate([{ $currentOp: {} }])
        .toArray(),
    );
    expect(currentOp).toMatchObject({ code: 115 });
    expect(currentOp.message).toContain('$currentOp');
  });
});
