import { MongoServerError, type Collection, type Db, type ObjectId } from 'mongodb';
import type { Product } from '../contract/product.js';
import { MongoErrorCode } from '../common/mongo-errors.js';

// Idempotency-Key records for POST, in MongoDB so that every API instance sees the same keys. The
// unique index on `key` is what makes "first request wins" hold across instances and races.

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

/** The idempotency store over a real MongoDB database. */
export function createIdempotencyStore(db: Db): IdempotencyStore {
  const records: Collection<IdempotencyRecord> = db.collection<IdempotencyRecord>(IDEMPOTENCY_COLLECTION, {
    writeConcern: { w: 'majority' },
  });
  return {
    async claim(record) {
      try {
        await records.insertOne({ ...record });
        return null;
      } catch (error) {
        if (!(error instanceof MongoServerError) || error.code !== MongoErrorCode.DuplicateKey) throw error;
      }
      const first = await records.findOne({ key: record.key }, { projection: { _id: 0 } });
      // The first record can only vanish between the two calls if its TTL ran out just then.
      if (!first) throw new Error('idempotency record for a duplicate key disappeared');
      return first;
    },

    async complete(key, product) {
      await records.updateOne({ key, product: { $exists: false } }, { $set: { product } });
    },
  };
}
