// Query evaluation over a collection's documents, delegated to mingo: filter, sort, skip, limit,
// projection. mingo errors (unknown operators, bad specs) surface as BadValue replies.
import type { Document } from 'bson';
import { find, Query } from 'mingo';
import { Query as ContextQuery } from 'mingo/query';
import type { DocumentSource } from './views.js';
import { idFirst, isPlainObject } from './documents.js';
import { checkCollatedFilter } from './collation.js';
import { evaluate } from './errors.js';
import type { EvalOptions } from './eval-options.js';

/** Options of a find. */
export interface FindOptions {
  sort?: Document;
  skip?: number;
  limit?: number;
  projection?: Document;
  /** `let` variables (and other evaluation options) of the command. */
  eval?: EvalOptions;
}

/** Matching documents in natural order (or `sort`), after skip and limit, projected. */
export function findDocuments(collection: DocumentSource | undefined, filter: Document, options: FindOptions = {}): Document[] {
  if (options.eval?.collation) checkCollatedFilter(filter);
  if (!collection) return [];
  return evaluate(() => runFind(collection, filter, options));
}

/** The _id a filter requires (a top-level `_id: <value>`): such finds (get, update, delete by id) skip the scan. */
function exactId(filter: Document): { id: unknown } | null {
  // A top-level `_id: <value>` is one of the conditions every match must meet, whatever the others:
  // only the document with that _id can match, and the whole filter is then applied to it alone.
  if (!Object.hasOwn(filter, '_id')) return null;
  const id: unknown = filter._id;
  if (id instanceof RegExp || (isPlainObject(id) && Object.keys(id).some((key) => key.startsWith('$')))) return null;
  return { id };
}

function runFind(collection: DocumentSource, filter: Document, options: FindOptions): Document[] {
  // A collation may make other _ids equal to the one asked for: no shortcut then.
  const byId = options.eval?.collation ? null : exactId(filter);
  const projection = options.projection && Object.keys(options.projection).length > 0 ? options.projection : undefined;
  const source = byId ? [collection.get(byId.id)].filter((doc): doc is Document => doc !== undefined) : collection.all();
  // With a collation the command brings its own operators, which only the base Query uses.
  let cursor = options.eval?.context
    ? new ContextQuery(filter, { ...options.eval }).find(source, projection)
    : find(source, filter, projection, { ...options.eval });
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
