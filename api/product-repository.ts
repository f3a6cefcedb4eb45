import { MongoServerError, type ObjectId, type Collection, type Db, type Document, type Timestamp } from 'mongodb';
import type { ProductDocument } from '../contract/product-document.js';
import type { ProductInput, ProductPatch } from '../contract/product.js';
import type { ClusterTime } from '../contract/stream-position.js';
import type { ListCursor } from './list-cursor.js';
import { unchangedFilter } from './entity-tag.js';
import { MongoErrorCode } from '../common/mongo-errors.js';
import { groupedInserts, MAX_GROUP_DOCUMENTS, type GroupedInsertOptions } from './grouped-inserts.js';

// All MongoDB access for products. Writes use write concern majority: a change stream only shows
// majority-committed writes, and a write we acknowledged must never be rolled back.

/** The collection products live in (the relay watches the same one). */
export const PRODUCTS_COLLECTION = 'products';

/** One page of the list, read from one snapshot, with the cluster time of that snapshot. */
export interface ProductSnapshotPage {
  documents: ProductDocument[];
  /** Whether more products follow the last one of `documents`. */
  hasMore: boolean;
  /** The snapshot's cluster time: the page reflects every write at or before it and none after. */
  readAt: ClusterTime;
}

/** What the routes need from product storage. */
export interface ProductRepository {
  /** Newest first (createdAt desc, _id desc), starting after `after`, at most `limit` documents. */
  list(options: { limit: number; after?: ListCursor }): Promise<ProductSnapshotPage>;
  get(id: ObjectId): Promise<ProductDocument | null>;
  /** Inserts `doc`; a duplicate `_id` rejects with the driver's duplicate-key error (code 11000). */
  insert(doc: ProductDocument): Promise<void>;
  /**
   * Replaces every product field, keeps createdAt; null when there is no such product. With
   * `expected`, only while the product is exactly that document (compare-and-set; null otherwise).
   */
  replace(id: ObjectId, input: ProductInput, now: Date, expected?: ProductDocument): Promise<ProductDocument | null>;
  /** Sets the given fields; null when there is no such product (or, with `expected`, it changed). */
  patch(id: ObjectId, patch: ProductPatch, now: Date, expected?: ProductDocument): Promise<ProductDocument | null>;
  /** Deletes; false when there was no such product (or, with `expected`, it changed). */
  remove(id: ObjectId, expected?: ProductDocument): Promise<boolean>;
}

/** The products repository over a real MongoDB database; creates of one event-loop turn share an insert (grouped-inserts.ts). */
export function createProductRepository(db: Db, inserts: GroupedInsertOptions = { maxDocuments: MAX_GROUP_DOCUMENTS }): ProductRepository {
  const products: Collection<ProductDocument> = db.collection<ProductDocument>(PRODUCTS_COLLECTION, {
    writeConcern: { w: 'majority' },
  });
  const insert = groupedInserts(products, inserts);

  return {
    async list({ limit, after }) {
      const filter: Document = after
        ? { $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after.id } }] }
        : {};
      // A snapshot read (readConcern "snapshot", MongoDB 5.0+) reads at one majority-committed cluster
      // time and reports it as cursor.atClusterTime: the exact point the page reflects. See
      // snapshotReadTime below for why this, and not a causally consistent read's operationTime.
      // One raw find in a single batch (at most 101 small documents) gives that reply directly; a
      // `startSession({ snapshot: true })` read would expose the same time as session.snapshotTime.
      const reply = await retryUnavailableSnapshot(() =>
        db.command({
          find: PRODUCTS_COLLECTION,
          filter,
          sort: { createdAt: -1, _id: -1 },
          limit: limit + 1,
          batchSize: limit + 1,
          singleBatch: true,
          readConcern: { level: 'snapshot' },
        }),
      );
      const batch = (reply.cursor?.firstBatch ?? []) as ProductDocument[];
      return { documents: batch.slice(0, limit), hasMore: batch.length > limit, readAt: snapshotReadTime(reply) };
    },

    get(id) {
      return products.findOne({ _id: id });
    },

    insert,

    async replace(id, input, now, expected) {
      if (expected) {
        const next: ProductDocument = { _id: id, ...input, createdAt: expected.createdAt, updatedAt: now };
        return products.findOneAndReplace(unchangedFilter(expected), next, { returnDocument: 'after' });
      }
      // A full replace (the change stream reports `replace`) that keeps createdAt: read it, then
      // replace only if the product is still the one we read; a concurrent delete yields null (404).
      const current = await products.findOne({ _id: id }, { projection: { createdAt: 1 } });
      if (!current) return null;
      const next: ProductDocument = { _id: id, ...input, createdAt: current.createdAt, updatedAt: now };
      return products.findOneAndReplace({ _id: id, createdAt: current.createdAt }, next, { returnDocument: 'after' });
    },

    patch(id, patch, now, expected) {
      return products.findOneAndUpdate(
        expected ? unchangedFilter(expected) : { _id: id },
        { $set: { ...patch, updatedAt: now } },
        { returnDocument: 'after' },
      );
    },

    async remove(id, expected) {
      const result = await products.deleteOne(expected ? unchangedFilter(expected) : { _id: id });
      return result.deletedCount === 1;
    },
  };
}

/**
 * Runs a snapshot read again (up to 3 times) when MongoDB answers SnapshotUnavailable (246): the
 * majority point it would read at is still before a catalog change (a collection or index created
 * moments ago, as at first start), which passes as soon as that change is majority-committed. The
 * driver does not retry this itself, and db.command is not a retryable read.
 */
export async function retryUnavailableSnapshot(read: () => Promise<Document>): Promise<Document> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === MongoErrorCode.SnapshotUnavailable) || attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * The cluster time a snapshot read saw. A snapshot read reads at exactly `atClusterTime`, so "the
 * page" + "every change with clusterTime > atClusterTime" is the whole history, no gap and no overlap.
 * A causally consistent majority read's `operationTime` would not do: the server computes it after
 * the read, from the then-current majority point, which may already be past the point the read saw,
 * so changes in between would be in neither the page nor the stream (a gap).
 */
function snapshotReadTime(reply: Document): ClusterTime {
  const time = reply.cursor?.atClusterTime as Timestamp | undefined;
  // MongoDB 5.0+ always reports it for a snapshot read; an older server refuses the read instead.
  if (!time) throw new Error('the snapshot read did not report cursor.atClusterTime');
  return { t: time.t, i: time.i };
}
