import { createHash } from 'node:crypto';
import { MongoServerError, ObjectId } from 'mongodb';
import { productFromDocument } from '../contract/product-document.js';
import type { ProductDocument } from '../contract/product-document.js';
import type { Product, ProductInput } from '../contract/product.js';
import type { IdempotencyStore } from './idempotency-store.js';
import type { ProductRepository } from './product-repository.js';
import { ApiProblem, PROBLEM_TYPE_PREFIX } from './problem.js';
import { MongoErrorCode } from '../common/mongo-errors.js';

/** The result of a create: the product, and whether it is the answer to an earlier request. */
export interface CreateResult {
  product: Product;
  replayed: boolean;
}

/** Inserts a new product (no Idempotency-Key). */
export async function createProduct(repository: ProductRepository, input: ProductInput, now: Date): Promise<Product> {
  const doc: ProductDocument = { _id: new ObjectId(), ...input, createdAt: now, updatedAt: now };
  await repository.insert(doc);
  return productFromDocument(doc);
}

/**
 * Creates a product at most once per key. The key is claimed first (unique index), with the product
 * id chosen up front; the product is then inserted under that id. A retry with the same key and body
 * gets the first answer; with another body, a 422. A retry that finds the key claimed but the create
 * unfinished (the first request is still running, or died) inserts under the same id: exactly one
 * insert wins, and both requests answer with that product.
 */
export async function createProductOnce(
  repository: ProductRepository,
  store: IdempotencyStore,
  key: string,
  input: ProductInput,
  now: Date,
): Promise<CreateResult> {
  const requestHash = hashInput(input);
  const claim = { key, requestHash, productId: new ObjectId(), createdAt: now };
  const first = await store.claim(claim);
  if (first && first.requestHash !== requestHash) {
    throw new ApiProblem(422, {
      type: `${PROBLEM_TYPE_PREFIX}idempotency-key-reused`,
      title: 'Idempotency-Key reused with another body',
      detail: 'This Idempotency-Key was first used with a different request body; use a new key for a new product.',
    });
  }
  if (first?.product) return { product: first.product, replayed: true };

  const productId = first?.productId ?? claim.productId;
  const doc: ProductDocument = { _id: productId, ...input, createdAt: now, updatedAt: now };
  let product: Product;
  try {
    await repository.insert(doc);
    product = productFromDocument(doc);
  } catch (error) {
    if (!(error instanceof MongoServerError) || error.code !== MongoErrorCode.DuplicateKey) throw error;
    const existing = await repository.get(productId);
    if (!existing) throw new Error('product of an idempotent create was inserted and is gone', { cause: error });
    product = productFromDocument(existing);
  }
  await store.complete(key, product);
  return { product, replayed: first !== null };
}

/** A digest of the validated body: equal inputs (whatever their key order or spacing) hash equal. */
function hashInput(input: ProductInput): string {
  const canonical = JSON.stringify([input.nombre, input.precio, input.talla]);
  return createHash('sha256').update(canonical).digest('hex');
}
