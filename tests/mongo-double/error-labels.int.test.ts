// Error labels, codeNames and topologyVersion as mongod 7.0 attaches them to errors, injected ones
// included: they decide whether the driver retries a write, resumes a change stream or drops the
// primary. Fail points are server-wide, so each one is scoped to this file's appName.
import { randomBytes } from 'node:crypto';
import type { Document, MongoClient, MongoServerError, ServerDescriptionChangedEvent } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseName } from '../harness/mongo.js';
import { connectOwnBackend } from './own-backend.js';
import { collectEvents } from './streams.js';

describe('error labels, codeNames and topologyVersion through the official driver', () => {
  const appName = `labels-${randomBytes(4).toString('hex')}`;
  const dbName = testDatabaseName(import.meta.url);
  let client: MongoClient;
  let stop: () => Promise<void> = async () => {};
  let unavailable: string | null = null;

  const configure = (name: string, mode: unknown, data: Document) =>
    client.db('admin').command({ configureFailPoint: name, mode, data: { appName, ...data } });
  const failCommand = (mode: unknown, data: Document) => configure('failCommand', mode, data);
  const failedWith = async (run: () => Promise<unknown>): Promise<MongoServerError> =>
    (await run().then(
      () => null,
      (error: unknown) => error,
    )) as MongoServerError;

  beforeAll(async () => {
    ({ client, stop } = await connectOwnBackend({ appName, monitorCommands: true }));
    // A real mongod only has configureFailPoint with enableTestCommands; skip rather than fail there.
    unavailable = await failCommand('off', { failCommands: ['ping'] }).then(
      () => null,
      (error: unknown) => `configureFailPoint is not available on this backend (${(error as Error).message})`,
    );
  });
  afterEach(async () => {
    if (unavailable) return;
    await failCommand('off', {});
    await configure('failGetMoreAfterCursorCheckout', 'off', {});
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await stop();
  });

  it('names every injected code as mongod does, Location<code> for codes outside its table', async (context) => {
    if (unavailable) return context.skip(unavailable);
    // runCommand is never retried, so the first failure is the answer.
    const count = () => client.db(dbName).command({ count: 'names' });
    const names: Array<[number, string]> = [
      [10107, 'NotWritablePrimary'],
      [216, 'ElectionInProgress'],
      [13436, 'NotPrimaryOrSecondary'],
      [280, 'ChangeStreamFatalError'],
      [12345, 'Location12345'],
    ];
    for (const [code, codeName] of names) {
      await failCommand({ times: 1 }, { failCommands: ['count'], errorCode: code });
      expect(await failedWith(count)).toMatchObject({ code, codeName });
    }
  });

  it('gives a state-change error the server topologyVersion, so the driver keeps its primary', async (context) => {
    if (unavailable) return context.skip(unavailable);
    const hello = await client.db('admin').command({ hello: 1 });
    const unknown: ServerDescriptionChangedEvent[] = [];
    const onChange = (event: ServerDescriptionChangedEvent) => {
      if (event.newDescription.type === 'Unknown') unknown.push(event);
    };
    client.on('serverDescriptionChanged', onChange);
    try {
      for (const code of [10107, 13435, 11602, 189, 91, 11600]) {
        await failCommand({ times: 1 }, { failCommands: ['count'], errorCode: code });
        const error = await failedWith(() => client.db(dbName).command({ count: 'state' }));
        expect(error, `code ${code}`).toMatchObject({ code, topologyVersion: { processId: hello.topologyVersion.processId } });
      }
      expect(await client.db(dbName).collection('state').estimatedDocumentCount()).toBe(0);
    } finally {
      client.off('serverDescriptionChanged', onChange);
    }
    expect(unknown).toEqual([]);
  });

  it('gives a failCommand error exactly the errorLabels it names, none for an empty list', async (context) => {
    if (unavailable) return context.skip(unavailable);
    const items = client.db(dbName).collection('exact');
    await failCommand({ times: 1 }, { failCommands: ['insert'], errorCode: 2, errorLabels: ['OneLabel', 'TwoLabel'] });
    expect((await failedWith(() => items.insertOne({ a: 1 }))).errorLabels).toEqual(['OneLabel', 'TwoLabel']);
    await failCommand({ times: 2 }, { failCommands: ['insert'], errorCode: 91, errorLabels: [] });
    // Without RetryableWriteError the driver does not retry: the first failure is the answer.
    const error = await failedWith(() => items.insertOne({ a: 2 }));
    expect(error).toMatchObject({ code: 91 });
    expect(error.errorLabels).toEqual([]);
  });

  it('labels ChangeStreamFatalError and ChangeStreamHistoryLost NonResumableChangeStreamError', async (context) => {
    if (unavailable) return context.skip(unavailable);
    for (const code of [280, 286]) {
      await failCommand({ times: 1 }, { failCommands: ['find'], errorCode: code });
      const error = await failedWith(() => client.db(dbName).collection('fatal').findOne({}));
      expect(error, `code ${code}`).toMatchObject({ code });
      expect(error.errorLabels).toEqual(['NonResumableChangeStreamError']);
    }
  });

  it('resumes a change stream by itself after a getMore fails past the cursor checkout, labelled by mongod', async (context) => {
    if (unavailable) return context.skip(unavailable);
    const items = client.db(dbName).collection('checkout');
    const failures: Document[] = [];
    const onFailed = (event: { commandName: string; failure: Error }) => {
      if (event.commandName === 'getMore') failures.push(event.failure as unknown as Document);
    };
    client.on('commandFailed', onFailed);
    const stream = items.watch();
    try {
      const events = await collectEvents(stream, 2, async () => {
        await items.insertOne({ n: 1 });
        await configure('failGetMoreAfterCursorCheckout', { times: 1 }, { errorCode: 6 });
        await items.insertOne({ n: 2 });
      });
      expect(events.map((event) => (event.operationType === 'insert' ? event.fullDocument.n : null))).toEqual([1, 2]);
    } finally {
      client.off('commandFailed', onFailed);
      await stream.close();
    }
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 6, codeName: 'HostUnreachable', errorLabels: ['ResumableChangeStreamError'] });
  });

  it('ends a change stream whose getMore fails past the checkout with a code that is not resumable', async (context) => {
    if (unavailable) return context.skip(unavailable);
    const items = client.db(dbName).collection('checkout_fatal');
    const stream = items.watch();
    const failure = collectEvents(stream, 2, async () => {
      await items.insertOne({ n: 1 });
      await configure('failGetMoreAfterCursorCheckout', { times: 1 }, {});
      await items.insertOne({ n: 2 });
    }).then(
      () => null,
      (error: unknown) => error as MongoServerError,
    );
    const error = await failure;
    await stream.close();
    expect(error).toMatchObject({ code: 1, codeName: 'InternalError' });
    expect(error?.errorLabels).toEqual([]);
  });
});
