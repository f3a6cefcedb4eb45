import type { IdempotencyStore } from '../../api/idempotency-store.js';
import type { ProductRepository } from '../../api/product-repository.js';

// Stores whose every call fails with `error`, for tests of how the HTTP layer answers storage
// failures. Real storage behaviour is tested against the harness's MongoDB, never against these.

/** A repository and idempotency store that reject every call with `error`. */
export function failingStores(error: Error): { repository: ProductRepository; idempotency: IdempotencyStore } {
  const fail = () => Promise.reject(error);
  return {
    repository: { list: fail, get: fail, insert: fail, replace: fail, patch: fail, remove: fail },
    idempotency: { claim: fail, complete: fail },
  };
}
