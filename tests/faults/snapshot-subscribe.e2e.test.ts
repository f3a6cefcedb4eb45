import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productFromDocument } from '../../contract/product-document.js';
import type { Product } from '../../contract/product.js';
import { productBody } from '../../chaos/product-writer.js';
import { ResumingClient } from '../../chaos/resuming-client.js';
import type { EventMessage } from '../../contract/protocol.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import {
  createProduct,
  openTestDatabase,
  startApi,
  startRelay,
  type RunningApi,
  type RunningRelay,
  type TestDatabase,
} from '../e2e/system.js';

// Snapshot, then subscribe from the snapshot's position, while inserts, updates, replaces and deletes
// keep landing: applying the events to the snapshot must give exactly the database's final state.
// A gap would leave a stale or missing product; a duplicate or a change from before the snapshot
// would resurrect a deleted one or roll a price back.

const DATABASE = testDatabaseName(import.meta.url);
const SEEDED = 30;
const OPERATIONS = 160;

/** A deterministic stream of writes over the products that exist. */
async function churn(apiUrl: string, ids: string[], count: number, onHalfway: () => Promise<void>): Promise<void> {
  const json = { 'content-type': 'application/json' };
  let halfway: Promise<void> = Promise.resolve();
  for (let n = 0; n < count; n++) {
    // Not awaited: the snapshot and the subscription happen while the writes go on.
    if (n === Math.floor(count / 2)) halfway = onHalfway();
    const id = ids[(n * 7) % ids.length] as string;
    const kind = n % 5;
    if (kind === 0 || ids.length < 5) {
      ids.push((await createProduct(apiUrl, productBody('churn', n))).id);
    } else if (kind === 1 || kind === 2) {
      const response = await fetch(`${apiUrl}/api/product/${id}`, {
        method: 'PATCH',
        headers: json,
        body: JSON.stringify({ precio: n + 0.5 }),
      });
      expect(response.status).toBe(200);
    } else if (kind === 3) {
      const response = await fetch(`${apiUrl}/api/product/${id}`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify(productBody('replaced', n)),
      });
      expect(response.status).toBe(200);
    } else {
      const response = await fetch(`${apiUrl}/api/product/${id}`, { method: 'DELETE' });
      expect(response.status).toBe(204);
      ids.splice(ids.indexOf(id), 1);
    }
  }
  await halfway;
}

/** Applies one event to a client's view. */
function apply(view: Map<string, Product>, event: EventMessage): void {
  if (event.op === 'delete') view.delete(event.key.id);
  // An update looked up after a later delete carries no product; the delete that follows settles it.
  else if (event.product) view.set(event.key.id, event.product);
}

describe('snapshot and subscribe under concurrent writes', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let relay: RunningRelay;
  let client: ResumingClient | undefined;

  beforeAll(async () => {
    database = await openTestDatabase(mongoUrl(), DATABASE);
    api = await startApi(mongoUrl(), DATABASE);
    relay = await startRelay(mongoUrl(), DATABASE);
  });

  afterAll(async () => {
    client?.stop();
    await relay?.close();
    await api?.close();
    await database?.close();
  });

  it("ends with the client's view equal to the database", async () => {
    const ids: string[] = [];
    for (let i = 0; i < SEEDED; i++) ids.push((await createProduct(api.url, productBody('seed', i))).id);

    const view = new Map<string, Product>();
    let position = '';
    // Halfway through the writes, while they go on, a client takes a snapshot and subscribes from its position.
    await churn(api.url, ids, OPERATIONS, async () => {
      const response = await fetch(`${api.url}/api/product/?limit=100`);
      const page = (await response.json()) as { items: Product[]; next: string | null; position: string };
      expect(page.next).toBeNull(); // one page holds the whole snapshot
      expect(response.headers.get('stream-position')).toBe(page.position);
      position = page.position;
      for (const product of page.items) view.set(product.id, product);
      client = new ResumingClient({
        url: relay.ws,
        since: position,
        query: { ops: 'insert,update,replace,delete' },
        onEvent: (event) => apply(view, event),
      });
      await client.start();
    });

    const truth = new Map(
      (await database.db.collection('products').find().toArray()).map((doc) => [String(doc._id), productFromDocument(doc)]),
    );
    const same = () =>
      view.size === truth.size && [...truth].every(([id, product]) => JSON.stringify(view.get(id)) === JSON.stringify(product));
    const subscriber = client as ResumingClient;
    await subscriber.until(same, 15_000).catch(() => {});
    expect(Object.fromEntries(view)).toEqual(Object.fromEntries(truth));
    expect(subscriber.record.welcomes[0]?.resume).toBe('resumed');
    expect(subscriber.record.resets).toEqual([]);
    // Every event after the snapshot arrived once: no id twice.
    const eventIds = subscriber.record.events.map((event) => event.id);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    expect(eventIds.length).toBeGreaterThanOrEqual(OPERATIONS / 2 - 1);
    expect(position).toMatch(/^time:\d+\.\d+$/);
  }, 60_000);
});
