import { Timestamp, type ChangeStreamDocument, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductListBody } from '../../api/product-routes.js';
import type { Product } from '../../contract/product.js';
import { nextClusterTime, parseStreamPosition } from '../../contract/stream-position.js';
import { apiFixture, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
beforeAll(async () => {
  api = await apiFixture(import.meta.url);
});
afterAll(() => api?.close());

async function snapshot(): Promise<{ body: ProductListBody; header: string | null }> {
  const response = await api.send('GET', '/api/product/?limit=100');
  expect(response.status).toBe(200);
  return { body: (await response.json()) as ProductListBody, header: response.headers.get('stream-position') };
}

/** Writes through the API: `inserts` inserts, with a patch of its previous product after every third. */
function writer(name: string, inserts: number, onInsert: (n: number) => void = () => {}) {
  return (async () => {
    const mine: string[] = [];
    for (let n = 0; n < inserts; n += 1) {
      const response = await api.send('POST', '/api/product/', { nombre: `${name} ${n}`, precio: n, talla: 'M' });
      expect(response.status).toBe(201);
      mine.push(((await response.json()) as Product).id);
      onInsert(n);
      if (n % 3 === 2) {
        const patched = await api.send('PATCH', `/api/product/${mine[n - 1]}`, { precio: n + 0.5 });
        expect(patched.status).toBe(200);
      }
    }
    return mine;
  })();
}

describe('snapshot and subscribe', () => {
  it('returns the stream position in the Stream-Position header and the body', async () => {
    const { body, header } = await snapshot();
    expect(header).toMatch(/^time:\d+\.\d+$/);
    expect(body.position).toBe(header);
    expect(parseStreamPosition(body.position)).not.toBeNull();
  });

  it('moves the position forward with every write', async () => {
    const before = parseStreamPosition((await snapshot()).body.position)!;
    await api.send('POST', '/api/product/', { nombre: 'moves time', precio: 1, talla: 'S' });
    const after = parseStreamPosition((await snapshot()).body.position)!;
    expect(after.t > before.t || (after.t === before.t && after.i > before.i)).toBe(true);
  });

  it('hands a change stream from the position exactly the changes after the snapshot, under concurrent writes', async () => {
    const products = api.db.collection('products');
    await products.deleteMany({});
    let started!: () => void;
    const someWritten = new Promise<void>((resolve) => (started = resolve));
    const writers = [writer('a', 30, (n) => n === 5 && started()), writer('b', 30), writer('c', 30)];

    // Take the snapshot while the writers are running, once some of their writes have landed.
    await someWritten;
    const { body } = await snapshot();
    const position = parseStreamPosition(body.position)!;
    await Promise.all(writers);
    const final = new Map((await products.find().toArray()).map((doc) => [String(doc._id), doc]));
    expect(final.size).toBeLessThanOrEqual(100);
    expect(body.items.length).toBeLessThan(final.size);

    // What the relay does with `?since=time:…`: startAtOperationTime just after the snapshot.
    const start = nextClusterTime(position);
    const stream = products.watch([], {
      startAtOperationTime: new Timestamp({ t: start.t, i: start.i }),
      fullDocument: 'updateLookup',
    });
    try {
      // A sentinel written after every writer finished marks the end of the changes we wait for.
      await products.insertOne({ nombre: 'sentinel', precio: 0, talla: 'S', createdAt: new Date(), updatedAt: new Date() });
      const inSnapshot = new Map<string, Product>(body.items.map((item) => [item.id, item]));
      const view = new Map<string, Document>(inSnapshot);
      const inserted: string[] = [];
      for (;;) {
        const change = (await stream.next()) as ChangeStreamDocument<Document>;
        if (change.operationType === 'insert' && change.fullDocument.nombre === 'sentinel') break;
        const time = change.operationType === 'insert' || change.operationType === 'update' ? change.clusterTime : undefined;
        expect(time && (time.t > position.t || (time.t === position.t && time.i > position.i))).toBe(true);
        if (change.operationType === 'insert') {
          const id = String(change.documentKey._id);
          // A duplicate: the snapshot already holds what this insert created.
          expect(view.has(id), `insert of ${id} already in the snapshot`).toBe(false);
          inserted.push(id);
          view.set(id, change.fullDocument);
        } else if (change.operationType === 'update') {
          const id = String(change.documentKey._id);
          // A gap: an update of a product that neither the snapshot nor the stream created.
          expect(view.has(id), `update of ${id} never seen`).toBe(true);
          // A duplicate: the snapshot already shows this update (each product is patched at most once).
          const precio = change.updateDescription.updatedFields?.precio as unknown;
          expect(inSnapshot.get(id)?.precio, `update of ${id} already in the snapshot`).not.toBe(precio);
          view.set(id, change.fullDocument ?? {});
        }
      }
      expect(inserted.length).toBeGreaterThan(0);
      // The client's view (snapshot + changes after it) is the database.
      expect([...view.keys()].sort()).toEqual([...final.keys()].sort());
      for (const [id, doc] of final) expect(view.get(id)?.precio, id).toBe(doc.precio);
    } finally {
      await stream.close();
    }
  });
});
