import type { ObjectId } from 'mongodb';
import type { Product } from './product.js';

/** A product as stored in MongoDB. */
export interface ProductDocument {
  _id: ObjectId;
  nombre: string;
  precio: number;
  talla: string;
  createdAt: Date;
  updatedAt: Date;
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/**
 * The one mapping from a stored document to the product clients see (string id, ISO dates). The API's
 * responses and the relay's events both go through it, so the two can never disagree.
 */
export function productFromDocument(doc: ProductDocument | Readonly<Record<string, unknown>>): Product {
  const createdAt = iso(doc.createdAt);
  return {
    id: String(doc._id),
    nombre: String(doc.nombre),
    precio: Number(doc.precio),
    talla: String(doc.talla),
    createdAt,
    // A product never written since its creation has both dates alike: formatted once (toISOString
    // is one of the dearer calls of a write's answer).
    updatedAt: sameInstant(doc.createdAt, doc.updatedAt) ? createdAt : iso(doc.updatedAt),
  };
}

function sameInstant(a: unknown, b: unknown): boolean {
  return a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());
}
