// Change events built from oplog entries, shaped as MongoDB documents them (field order included):
// _id, operationType, clusterTime, wallTime, fullDocument, ns, documentKey, updateDescription.
import type { Document } from 'bson';
import type { OplogEntry } from './oplog.js';
import { toTimestamp } from './op-time.js';
import { decodeToken, encodeToken } from './resume-token.js';

/** What a stream watches: one collection, one database, or the whole deployment. */
export type StreamScope = { kind: 'collection'; db: string; coll: string } | { kind: 'database'; db: string } | { kind: 'cluster' };

/** How fullDocument is filled for update events. */
export type FullDocumentMode = 'default' | 'updateLookup' | 'whenAvailable' | 'required';

const systemDatabases = new Set(['admin', 'config', 'local']);

/** Looks up a document's current version for `fullDocument: 'updateLookup'`. */
export type DocumentLookup = (db: string, coll: string, documentKey: Document) => Document | null;

/**
 * The events one entry produces for a scope: none, one, or (for the drop that ends a collection or
 * database stream) the event followed by an invalidate.
 */
export function eventsFor(entry: OplogEntry, scope: StreamScope, fullDocument: FullDocumentMode, lookup: DocumentLookup): Document[] {
  if (!inScope(entry, scope)) return [];
  const base: Document = { _id: { _data: entry.token }, operationType: entry.op, clusterTime: toTimestamp(entry.time), wallTime: entry.wallTime };
  const ns = entry.coll === undefined ? { db: entry.db } : { db: entry.db, coll: entry.coll };
  switch (entry.op) {
    case 'insert':
    case 'replace':
      return [{ ...base, fullDocument: entry.document, ns, documentKey: entry.documentKey }];
    case 'update': {
      const event: Document = { ...base };
      if (fullDocument !== 'default') event.fullDocument = lookup(entry.db, entry.coll!, entry.documentKey!);
      return [{ ...event, ns, documentKey: entry.documentKey, updateDescription: entry.updateDescription }];
    }
    case 'delete':
      return [{ ...base, ns, documentKey: entry.documentKey }];
    case 'drop':
      return scope.kind === 'collection' ? [{ ...base, ns }, invalidateEvent(entry)] : [{ ...base, ns }];
    case 'dropDatabase':
      return scope.kind === 'database' ? [{ ...base, ns }, invalidateEvent(entry)] : [{ ...base, ns }];
  }
}

function invalidateEvent(entry: OplogEntry): Document {
  const point = decodeToken(entry.token)!;
  const token = encodeToken({ ...point, kind: 'invalidate' });
  return { _id: { _data: token }, operationType: 'invalidate', clusterTime: toTimestamp(entry.time), wallTime: entry.wallTime };
}

function inScope(entry: OplogEntry, scope: StreamScope): boolean {
  switch (scope.kind) {
    case 'collection':
      return entry.db === scope.db && entry.coll === scope.coll;
    case 'database':
      return entry.db === scope.db;
    case 'cluster':
      return !systemDatabases.has(entry.db);
  }
}
