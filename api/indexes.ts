import type { Db, IndexDescription } from 'mongodb';
import { IDEMPOTENCY_COLLECTION, IDEMPOTENCY_TTL_SECONDS } from './idempotency-store.js';
import { PRODUCTS_COLLECTION } from './product-repository.js';

/** The indexes the API relies on, by collection (mongo-init creates the same ones for compose). */
export const API_INDEXES: Record<string, IndexDescription[]> = {
  // Serves the list's order and its keyset pagination (createdAt desc, _id desc).
  [PRODUCTS_COLLECTION]: [{ key: { createdAt: -1, _id: -1 }, name: 'createdAt_-1__id_-1' }],
  // Forgets keys after their TTL. Uniqueness needs no index here: the key is the record's _id.
  [IDEMPOTENCY_COLLECTION]: [{ key: { createdAt: 1 }, name: 'createdAt_1', expireAfterSeconds: IDEMPOTENCY_TTL_SECONDS }],
};

/** Creates the API's indexes; safe to run at every start and concurrently from several instances. */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const [collection, indexes] of Object.entries(API_INDEXES)) {
    await db.collection(collection).createIndexes(indexes);
  }
}
