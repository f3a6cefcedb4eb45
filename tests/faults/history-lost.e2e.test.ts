import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeProducts } from '../../chaos/product-writer.js';
import { ResumingClient } from '../../chaos/resuming-client.js';
import { controllableMongoUnavailable, startControllableMongo, type ControllableMongo } from '../harness/controllable-mongo.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import { openTestDatabase, startApi, startRelay, type RunningApi, type RunningRelay, type TestDatabase } from '../e2e/system.js';

// A position MongoDB no longer holds must be answered with `reset` (reload a snapshot), never with a
// silent skip; after it the client gets live events. The relay keeps only 5 events in memory here, so
// the positions below are served (or refused) by MongoDB itself.

const unavailable = controllableMongoUnavailable();

describe('positions MongoDB no longer holds', () => {
  let mongo: ControllableMongo | null = null;
  let database: TestDatabase | undefined;
  let api: RunningApi | undefined;
  let relay: RunningRelay | undefined;
  let clients: ResumingClient[] = [];

  afterEach(async () => {
    for (const client of clients) client.stop();
    clients = [];
    await relay?.close();
    await api?.close();
    await database?.close();
  });
  afterAll(async () => {
    await mongo?.stop();
  });

  async function setUp(url: string, label: string) {
    const name = testDatabaseName(label);
    database = await openTestDatabase(url, name);
    api = await startApi(url, name);
    relay = await startRelay(url, name, { historyEvents: 5 });
    const recorder = new ResumingClient({ url: relay.ws });
    clients.push(recorder);
    await recorder.start();
    const written = await writeProducts({ apiUrl: api.url, count: 20, concurrency: 1, runId: label });
    await recorder.untilProducts(20, 10_000);
    return { recorder, written, api, relay };
  }

  /** Connects from `since` and expects a reset, then a live event. */
  async function expectResetThenLive(since: string, reasons: string[]) {
    const { api: runningApi, relay: runningRelay } = { api: api as RunningApi, relay: relay as RunningRelay };
    const client = new ResumingClient({ url: runningRelay.ws, since });
    clients.push(client);
    await client.start();
    await client.until(() => client.record.resets.length === 1, 10_000);
    expect(client.record.welcomes[0]?.resume).toBe('reset');
    expect(reasons).toContain(client.record.resets[0]?.reason);
    expect(client.record.events).toEqual([]);
    const live = await writeProducts({ apiUrl: runningApi.url, count: 1, concurrency: 1, runId: 'after-reset' });
    await client.untilProducts(1, 10_000);
    expect(client.record.events.map((event) => event.key.id)).toEqual(live.products.map((product) => product.id));
    // The reset did not end the connection: it is the same one that now carries live events.
    expect(client.record.connections).toBe(1);
  }

  it.skipIf(unavailable !== null)(
    `sends reset (history-lost) after MongoDB forgot the oplog${unavailable ? ` (skipped: ${unavailable})` : ''}`,
    async ({ skip }) => {
      mongo = await startControllableMongo();
      if (!mongo?.capabilities.forgetHistory) skip(`${mongo?.backend} cannot forget oplog history on demand`);
      const { recorder } = await setUp((mongo as ControllableMongo).url, 'faults_history_lost');
      const old = recorder.record.events[2]?.id as string;
      await (mongo as ControllableMongo).forgetHistory();
      await expectResetThenLive(old, ['history-lost']);
    },
    45_000,
  );

  it('sends reset for a well-formed position MongoDB never issued', async () => {
    await setUp(mongoUrl(), 'faults_unknown_position');
    // Hex, so the relay accepts its syntax, but no change stream ever produced it.
    await expectResetThenLive('82000000010000000122', ['unknown-position', 'history-lost']);
  }, 45_000);
});
