import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCanonicalOrder } from '../../chaos/canonical-order.js';
import { writeProducts } from '../../chaos/product-writer.js';
import { ResumingClient } from '../../chaos/resuming-client.js';
import { snapshotPosition } from '../../chaos/snapshot-position.js';
import type { CatchUpOpener } from '../../relay/delivery/catch-up-source.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import { openTestDatabase, startApi, startRelay, type RunningApi, type RunningRelay, type TestDatabase } from '../e2e/system.js';

// 200 clients reconnect at the same moment, each from its own position, most of them older than the
// relay's 20-event memory, while products keep being written. Each must end with exactly the events
// after its position, in commit order; and the relay must never hold more catch-up change streams
// open than its bound, which this test counts itself, at the seam where the relay opens them.

const DATABASE = testDatabaseName(import.meta.url);
const BEFORE = 300;
const DURING = 50;
const CLIENTS = 200;
const MAX_CATCH_UP = 4;

/** Wraps an opener to count the catch-up streams open at once. */
function countingOpener(inner: CatchUpOpener, gauge: { open: number; peak: number; opened: number }): CatchUpOpener {
  return {
    open(start) {
      const cursor = inner.open(start);
      gauge.open += 1;
      gauge.opened += 1;
      gauge.peak = Math.max(gauge.peak, gauge.open);
      let closed = false;
      const close = cursor.close.bind(cursor);
      // Same cursor, only its close is counted: the wrapper stays right whatever else a cursor offers.
      cursor.close = async () => {
        if (!closed) gauge.open -= 1;
        closed = true;
        await close();
      };
      return cursor;
    },
  };
}

describe('a reconnect storm of 200 clients from different positions', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let relay: RunningRelay;
  const gauge = { open: 0, peak: 0, opened: 0 };
  const clients: ResumingClient[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(mongoUrl(), DATABASE);
    api = await startApi(mongoUrl(), DATABASE);
    relay = await startRelay(
      mongoUrl(),
      DATABASE,
      { historyEvents: 20, maxCatchUpStreams: MAX_CATCH_UP },
      { wrapCatchUp: (opener) => countingOpener(opener, gauge) },
    );
  });

  afterAll(async () => {
    for (const client of clients) client.stop();
    await relay?.close();
    await api?.close();
    await database?.close();
  });

  it('brings every client up to date exactly once, in order, within the catch-up stream bound', async () => {
    const position = await snapshotPosition(api.url);
    const first = await writeProducts({ apiUrl: api.url, count: BEFORE, concurrency: 4, runId: 'storm-before' });
    expect(first.failures).toEqual([]);
    const past = await readCanonicalOrder(database.db.collection('products'), { after: position, expected: BEFORE, timeoutMs: 10_000 });
    expect(past).toHaveLength(BEFORE);

    // Positions spread over the whole past: the oldest need MongoDB, the newest the relay's memory.
    const starts = Array.from({ length: CLIENTS }, (_, i) => Math.floor((i * (BEFORE - 1)) / CLIENTS));
    for (const start of starts) clients.push(new ResumingClient({ url: relay.ws, since: past[start]?.id, maxDelayMs: 500 }));
    const [second] = await Promise.all([
      writeProducts({ apiUrl: api.url, count: DURING, concurrency: 2, runId: 'storm-during' }),
      Promise.all(clients.map((client) => client.start())),
    ]);
    expect(second.failures).toEqual([]);

    const all = await readCanonicalOrder(database.db.collection('products'), {
      after: position,
      expected: BEFORE + DURING,
      timeoutMs: 10_000,
    });
    expect(all).toHaveLength(BEFORE + DURING);
    await Promise.all(
      clients.map((client, i) => client.until(() => client.record.events.length >= all.length - (starts[i] as number) - 1, 60_000)),
    );
    clients.forEach((client, i) => {
      const expected = all.slice((starts[i] as number) + 1).map((event) => event.id);
      expect(
        client.record.events.map((event) => event.id),
        `client ${i} from position ${starts[i]}`,
      ).toEqual(expected);
      expect(client.record.resets).toEqual([]);
    });

    // The storm really went through catch-up streams, and never more than the bound at once.
    expect(gauge.opened).toBeGreaterThan(0);
    expect(gauge.peak).toBeLessThanOrEqual(MAX_CATCH_UP);
    expect(relay.relay.hub.stats().catchUp.peakOpen).toBeLessThanOrEqual(MAX_CATCH_UP);
  }, 90_000);
});
