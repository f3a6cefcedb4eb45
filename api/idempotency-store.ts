import { MongoServerError, type Collection, type Db, type ObjectId } from 'mongodb';
import type { Product } from '../contract/product.js';
import { MongoErrorCode } from '../common/mongo-errors.js';
import { groupedInserts, MAX_GROUP_DOCUMENTS, type GroupedInsertOptions } from './grouped-inserts.js';

// Idempotency-Key records for POST, in MongoDB so that every API instance sees the same keys. The
// key is the record's `_id`, so "first request wins" holds across instances and races by the one
// index MongoDB never lets go of: a restore without indexes, a recreated collection or a MongoDB that
// lost its secondary indexes cannot turn retries into duplicates. (Records written before this kept
// the key only in `key`, under a unique index; they are still found for their 24 hours.)

/** The collection idempotency records live in. */
export const IDEMPOTENCY_COLLECTION = 'idempotency_keys';
/** How long a key is remembered (TTL index on createdAt); a retry after that creates anew. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** The first request made with a key: what it asked for and which product it creates. */
export interface IdempotencyRecord {
  key: string;
  /** SHA-256 of the request's validated body: a retry must send the same one. */
  requestHash: string;
  /** Chosen before the insert, so a retry can finish a create that was interrupted. */
  productId: ObjectId;
  createdAt: Date;
  /** The product the first request answered with; absent until that create completed. */
  product?: Product;
}

/** What the POST route needs from idempotency storage. */
export interface IdempotencyStore {
  /** Stores `record` if its key is new (→ null); otherwise returns the record stored first. */
  claim(record: IdempotencyRecord): Promise<IdempotencyRecord | null>;
  /** Records the answer of the create made under `key`, unless one is recorded already. */
  complete(key: string, product: Product): Promise<void>;
}

/** A record as stored: its key is its `_id` (older records have an ObjectId there). */
type StoredRecord = IdempotencyRecord & { _id: string | ObjectId };

/**
 * The idempotency store over a real MongoDB database. Claims of one event-loop turn share an insert
 * (grouped-inserts.ts): a key already taken is refused on its own and gets insertOne's duplicate-key error.
 */
export function createIdempotencyStore(db: Db, inserts: GroupedInsertOptions = { maxDocuments: MAX_GROUP_DOCUMENTS }): IdempotencyStore {
  const records: Collection<StoredRecord> = db.collection<StoredRecord>(IDEMPOTENCY_COLLECTION, {
    writeConcern: { w: 'majority' },
  });
  const insert = groupedInserts(records, inserts);
  return {
    async claim(record) {
      try {
        await insert({ _id: record.key, ...record });
        return null;
      } catch (error) {
        if (!(error instanceof MongoServerError) || error.code !== MongoErrorCode.DuplicateKey) throw error;
      }
      // By _id first: a lookup MongoDB answers from its _id index. Only a record of the older format
      // (found by `key`, under the unique index those deployments still have) needs the second.
      const first =
        (await records.findOne({ _id: record.key }, { projection: { _id: 0 } })) ??
        (await records.findOne({ key: record.key }, { projection: { _id: 0 } }));
      // The first record can only vanish between the two calls if its TTL ran out just then.
      if (!first) throw new Error('idempotency record for a duplicate key disappeared');
      return first;
    },

    async complete(key, product) {
      // Every idempotent POST ends here, so it must be an _id lookup: `$or` with the unindexed `key`
      // would make MongoDB scan every record of the last 24 hours on each one. Nothing matched means
      // the answer was recorded already (a racing retry) or, rarely, a record of the older format.
      const { matchedCount } = await records.updateOne({ _id: key, product: { $exists: false } }, { $set: { product } });
      if (matchedCount > 0 || (await records.countDocuments({ _id: key }, { limit: 1 })) > 0) return;
      await records.updateOne({ key, product: { $exists: false } }, { $set: { product } });
    },
  };
}
