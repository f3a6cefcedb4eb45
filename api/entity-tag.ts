import { hash } from 'node:crypto';
import type { Product } from '../contract/product.js';
import { productFromDocument, type ProductDocument } from '../contract/product-document.js';
import { ApiProblem, PROBLEM_TYPE_PREFIX } from './problem.js';

// Optimistic concurrency for products (RFC 9110 ETag / If-Match). The tag is a digest of the product
// as clients see it, so it changes with every write (updatedAt moves) and needs no field of its own.
// A conditional write is a compare-and-set in MongoDB: its filter is the whole document as it was
// read, so a write that slipped in between makes it match nothing (412), never a lost update.

/** The strong entity tag of `product`. */
export function entityTag(product: Product): string {
  // crypto.hash: the one-shot form of createHash().update().digest(), same digest, less per call.
  const digest = hash(
    'sha256',
    JSON.stringify([product.id, product.nombre, product.precio, product.talla, product.createdAt, product.updatedAt]),
    'base64url',
  );
  return `"${digest.slice(0, 27)}"`;
}

/** What an If-Match header asks for: nothing, any current product, or one of these tags. */
export type IfMatch = { kind: 'none' } | { kind: 'any' } | { kind: 'tags'; tags: string[] };

/** Parses If-Match; a malformed header is a 400 rather than a guess. */
export function parseIfMatch(header: string | undefined): IfMatch {
  if (header === undefined) return { kind: 'none' };
  const value = header.trim();
  if (value === '*') return { kind: 'any' };
  const tags = value.split(',').map((tag) => tag.trim());
  // Weak tags never match in If-Match (strong comparison, RFC 9110 §13.1.1), so they are refused plainly.
  if (tags.length === 0 || tags.length > 20 || !tags.every((tag) => /^"[\x21\x23-\x7e]{1,64}"$/.test(tag))) {
    throw new ApiProblem(400, { detail: 'If-Match must be * or a list of strong entity tags ("...") as sent in ETag.' });
  }
  return { kind: 'tags', tags };
}

/** 412: the product is not (or no longer) the one the client read. */
export function preconditionFailed(): ApiProblem {
  return new ApiProblem(412, {
    type: `${PROBLEM_TYPE_PREFIX}precondition-failed`,
    detail: 'The product changed since you read it (or is gone): GET it again, then retry with its new ETag.',
  });
}

/** 428: this API requires If-Match on writes to existing products (API_REQUIRE_IF_MATCH). */
export function preconditionRequired(): ApiProblem {
  return new ApiProblem(428, {
    type: `${PROBLEM_TYPE_PREFIX}precondition-required`,
    detail: 'Send If-Match with the ETag of the product you read, so that no concurrent change is overwritten.',
  });
}

/** The MongoDB filter that matches `doc` only while it is exactly as read. */
export function unchangedFilter(doc: ProductDocument): ProductDocument {
  return { _id: doc._id, nombre: doc.nombre, precio: doc.precio, talla: doc.talla, createdAt: doc.createdAt, updatedAt: doc.updatedAt };
}

/**
 * The document a conditional write must find unchanged, read now; undefined when the request has no
 * If-Match (an unconditional write, unless `required`). 412 when the product is gone or its tag differs.
 */
export async function expectedDocument(
  ifMatchHeader: string | undefined,
  read: () => Promise<ProductDocument | null>,
  { required }: { required: boolean },
): Promise<ProductDocument | undefined> {
  const ifMatch = parseIfMatch(ifMatchHeader);
  if (ifMatch.kind === 'none') {
    if (required) throw preconditionRequired();
    return undefined;
  }
  const current = await read();
  if (!current) throw preconditionFailed();
  if (ifMatch.kind === 'tags' && !ifMatch.tags.includes(entityTag(productFromDocument(current)))) throw preconditionFailed();
  return current;
}
