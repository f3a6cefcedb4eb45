// Query evaluation over a collection's documents, delegated to mingo: filter, sort, skip, limit,
// projection. mingo errors (unknown operators, bad specs) surface as BadValue replies.
import type { Document } from 'bson';
import { find, Query } from 'mingo';
import type { Collection } from './collection.js';
import { idFirst } from './documents.js';
import { evaluate } from './errors.js';

/** Options of a find. */
export interface FindOptions {
  sort?: Document;
  skip?: number;
  limit?: number;
  projection?: Document;
}

/** Matching documents in natural order (or `sort`), after skip and limit, projected. */
export function findDocuments(collection: Collection | undefined, filter: Document, options: FindOptions = {}): Document[] {
  if (!collection) return [];
  return evaluate(() => runFind(collection, filter, options));
}

function runFind(collection: Collection, filter: Document, options: FindOptions): Document[] {
  const projection = options.projection && Object.keys(options.projection).length > 0 ? options.projection : undefined;
  let cursor = find(collection.all(), filter, projection);
  if (options.sort && Object.keys(options.sort).length > 0) cursor = cursor.sort(options.sort as Record<string, 1 | -1>);
  if (options.skip) cursor = cursor.skip(options.skip);
  if (options.limit) cursor = cursor.limit(options.limit);
  const docs = cursor.all() as Document[];
  return projection ? docs.map(idFirst) : docs;
}

/** A reusable predicate for a filter. */
export function matcher(filter: Document): (doc: Document) => boolean {
  const query = evaluate(() => new Query(filter));
  return (doc) => evaluate(() => query.test(doc));
}
