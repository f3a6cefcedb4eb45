import { MongoServerError, ObjectId, type Db, type Document } from 'mongodb';

// The MongoDB calls behind each operation of the api scenario, written once for the three peers (Hono
// floor, node:http ceiling, Express) so that they differ only in their HTTP layer. They mirror what
// the project's API sends for the same request (api/product-repository.ts, api/idempotency-store.ts),
// write concern majority included, but are kept apart from it: a change to the API must not move its
// own yardstick.

/** A product document as the peers store it (the API's shape). */
export interface PeerProduct {
  _id: ObjectId;
  nombre: unknown;
  precio: unknown;
  talla: unknown;
  createdAt: Date;
  updatedAt: Date;
}

/** The driver calls of one operation each. */
export interface DriverCalls {
  /** POST create: one insertOne (w:majority). */
  insert(body: Record<string, unknown>): Promise<Document>;
  /** POST with Idempotency-Key: claim the key, insert the product, record the answer (three writes). */
  insertOnce(key: string, body: Record<string, unknown>): Promise<Document>;
  /** GET one: findOne by _id. */
  get(id: string): Promise<Document | null>;
  /** GET list: the snapshot find of one page (createdAt desc, _id desc) and its atClusterTime. */
  list(limit: number): Promise<{ items: Document[]; position: string }>;
}

/** The calls over `db` (the collections the API uses: products, idempotency_keys). */
export function driverCalls(db: Db): DriverCalls {
  const products = db.collection<PeerProduct>('products', { writeConcern: { w: 'majority' } });
  // The key is the record's _id, as the API stores it (api/idempotency-store.ts).
  const keys = db.collection<{ _id: string; [field: string]: unknown }>('idempotency_keys', { writeConcern: { w: 'majority' } });
  const toJson = (doc: PeerProduct) => ({ ...doc, _id: undefined, id: doc._id.toHexString() });
  const fresh = (body: Record<string, unknown>, _id = new ObjectId()): PeerProduct => {
    const now = new Date();
    return { _id, nombre: body.nombre, precio: body.precio, talla: body.talla, createdAt: now, updatedAt: now };
  };
  return {
    async insert(body) {
      const doc = fresh(body);
      await products.insertOne(doc);
      return toJson(doc);
    },
    async insertOnce(key, body) {
      const doc = fresh(body);
      try {
        await keys.insertOne({ _id: key, key, requestHash: '', productId: doc._id, createdAt: doc.createdAt });
      } catch (error) {
        if (!(error instanceof MongoServerError) || error.code !== 11000) throw error;
        const first = await keys.findOne({ _id: key });
        if (first?.product) return first.product as Document;
      }
      await products.insertOne(doc);
      const answer = toJson(doc);
      await keys.updateOne({ _id: key, product: { $exists: false } }, { $set: { product: answer } });
      return answer;
    },
    async get(id) {
      if (!ObjectId.isValid(id)) return null;
      const doc = await products.findOne({ _id: new ObjectId(id) });
      return doc && toJson(doc);
    },
    async list(limit) {
      const reply = await db.command({
        find: 'products',
        filter: {},
        sort: { createdAt: -1, _id: -1 },
        limit: limit + 1,
        batchSize: limit + 1,
        singleBatch: true,
        readConcern: { level: 'snapshot' },
      });
      const batch = (reply.cursor?.firstBatch ?? []) as PeerProduct[];
      const time = reply.cursor?.atClusterTime as { t: number; i: number } | undefined;
      return { items: batch.slice(0, limit).map(toJson), position: `time:${time?.t}.${time?.i}` };
    },
  };
}
