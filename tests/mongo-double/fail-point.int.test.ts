// failCommand is configured as on a mongod started with test commands enabled. The fail point is
// server-wide, so every configuration here is scoped to this file's appName: other test files that
// share the backend are never hit.
import { randomBytes } from 'node:crypto';
import type { Document, MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseName } from '../harness/mongo.js';
import { connectOwnBackend } from './own-backend.js';
import { collectEvents } from './streams.js';

describe('configureFailPoint failCommand through the official driver', () => {
  const appName = `failpoint-${randomBytes(4).toString('hex')}`;
  const dbName = testDatabaseName(import.meta.url);
  let client: MongoClient;
  let stop: () => Promise<void> = async () => {};
  let unavailable: string | null = null;

  const failCommand = (mode: unknown, data: Document) =>
    client.db('admin').command({ configureFailPoint: 'failCommand', mode, data: { appName, ...data } });

  beforeAll(async () => {
    ({ client, stop } = await connectOwnBackend({ appName }));
    // A real mongod only has configureFailPoint with enableTestCommands; skip rather than fail there.
    unavailable = await failCommand('off', { failCommands: ['ping'] }).then(
      () => null,
      (error: unknown) => `configureFailPoint is not available on this backend (${(error as Error).message})`,
    );
  });
  afterEach(async () => {
    if (!unavailable) await failCommand('off', { failCommands: ['ping'] });
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await stop();
  });

  it('fails a command with the given code and labels, the given number of times', async (context) => {
    if (unavailable) return context.skip(unavailable);
    await failCommand({ times: 1 }, { failCommands: ['count'], errorCode: 14, errorLabels: ['TestLabel'] });
    const items = client.db(dbName).collection('times');
    const failure = await items.estimatedDocumentCount().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 14 });
    expect((failure as { hasErrorLabel(label: string): boolean }).hasErrorLabel('TestLabel')).toBe(true);
    expect(await items.estimatedDocumentCount()).toBe(0);
  });

  it('fails every time while alwaysOn, and stops when turned off', async (context) => {
    if (unavailable) return context.skip(unavailable);
    await failCommand('alwaysOn', { failCommands: ['distinct'], errorCode: 2 });
    const items = client.db(dbName).collection('always');
    await expect(items.distinct('a')).rejects.toMatchObject({ code: 2 });
    await expect(items.distinct('a')).rejects.toMatchObject({ code: 2 });
    await failCommand('off', { failCommands: ['distinct'] });
    expect(await items.distinct('a')).toEqual([]);
  });

  it('closes the connection, and the driver retries the read on a new one', async (context) => {
    if (unavailable) return context.skip(unavailable);
    const items = client.db(dbName).collection('close');
    await items.insertOne({ k: 1 });
    await failCommand({ times: 1 }, { failCommands: ['find'], closeConnection: true });
    expect(await items.findOne({ k: 1 })).toMatchObject({ k: 1 });
  });

  it('labels a transient write error RetryableWriteError, so the driver retries the write once', async (context) => {
    if (unavailable) return context.skip(unavailable);
    const items = client.db(dbName).collection('retried');
    await failCommand({ times: 1 }, { failCommands: ['insert'], errorCode: 91 });
    await items.insertOne({ k: 'once' });
    expect(await items.countDocuments({ k: 'once' })).toBe(1);
  });

  it('retries a write whose write concern failed transiently, applying it only once', async (context) => {
    if (unavailable) return context.skip(unavailable);
    const items = client.db(dbName).collection('concern');
    await failCommand(
      { times: 1 },
      { failCommands: ['insert'], writeConcernError: { code: 91, errmsg: 'Replication is being shut down' } },
    );
    await items.insertOne({ k: 'concern' });
    expect(await items.countDocuments({ k: 'concern' })).toBe(1);
  });

  it('ends a change stream whose getMore fails by failCommand without labels: mongod labels only after the cursor checkout', async (context) => {
    if (unavailable) return context.skip(unavailable);
    const items = client.db(dbName).collection('unlabelled');
    const stream = items.watch();
    const failure = collectEvents(stream, 2, async () => {
      await items.insertOne({ n: 1 });
      await failCommand({ times: 1 }, { failCommands: ['getMore'], errorCode: 91 });
      await items.insertOne({ n: 2 });
    }).catch((error: unknown) => error);
    const error = (await failure) as { code?: number; errorLabels?: string[] };
    await stream.close();
    expect(error).toMatchObject({ code: 91, codeName: 'ShutdownInProgress' });
    expect(error.errorLabels ?? []).not.toContain('ResumableChangeStreamError');
  });

  it('lets a change stream resume by itself after a getMore fails with ResumableChangeStreamError', async (context) => {
    if (unavailable) return context.skip(unavailable);
    const items = client.db(dbName).collection('resumable');
    const stream = items.watch();
    const events = await collectEvents(stream, 2, async () => {
      await items.insertOne({ n: 1 });
      await failCommand({ times: 1 }, { failCommands: ['getMore'], errorCode: 6, errorLabels: ['ResumableChangeStreamError'] });
      await items.insertOne({ n: 2 });
    });
    await stream.close();
    expect(events.map((event) => (event.operationType === 'insert' ? event.fullDocument.n : null))).toEqual([1, 2]);
  });
});
