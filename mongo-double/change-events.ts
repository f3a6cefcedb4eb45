// Change events built from oplog entries, shaped as MongoDB documents them (field order included):
// _id, operationType, clusterTime, wallTime, fullDocument, ns, documentKey, updateDescription,
// fullDocumentBeforeChange; `to` for rename.
import type { Document } from 'bson';
import { CommandError } from './errors.js';
import type { OplogEntry } from './oplog.js';
import { toTimestamp } from './op-time.js';
import { decodeToken, encodeToken } from './resume-token.js';

/** What a stream watches: one collection, one database, or the whole deployment. */
export type StreamScope = { kind: 'collection'; db: string; coll: string } | { kind: 'database'; db: string } | { kind: 'cluster' };

/** How fullDocument is filled for update events. */
export type FullDocumentMode = 'default' | 'updateLookup' | 'whenAvailable' | 'required';
/** Whether update, replace and delete events carry the document as it was before. */
export type FullDocumentBeforeChangeMode = 'off' | 'whenAvailable' | 'required';

/** The stream's options that shape events. */
export interface EventOptions {
  fullDocument: FullDocumentMode;
  fullDocumentBeforeChange: FullDocumentBeforeChangeMode;
  /** create, createIndexes, dropIndexes and modify events, collectionUUID, disambiguatedPaths. */
  showExpandedEvents: boolean;
}

const EXPANDED_OPS = new Set(['create', 'createIndexes', 'dropIndexes', 'modify']);

const systemDatabases = new Set(['admin', 'config', 'local']);

/** Looks up a document's current version for `fullDocument: 'updateLookup'`. */
export type DocumentLookup = (db: string, coll: string, documentKey: Document) => Document | null;

/**
 * The events one entry produces for a scope: none, one, or (for the drop or rename that ends a
 * collection or database stream) the event followed by an invalidate. Throws NoMatchingDocument
 * (47) for an event that lacks an image the stream requires, as mongod does.
 */
export function eventsFor(entry: OplogEntry, scope: StreamScope, options: EventOptions, lookup: DocumentLookup): Document[] {
  if (!inScope(entry, scope)) return [];
  const expanded = options.showExpandedEvents;
  if (!expanded && EXPANDED_OPS.has(entry.op)) return [];
  const base: Document = {
    _id: { _data: entry.token },
    operationType: entry.op,
    clusterTime: toTimestamp(entry.time),
    wallTime: entry.wallTime,
  };
  if (expanded && entry.uuid) base.collectionUUID = entry.uuid;
  const ns = entry.coll === undefined ? { db: entry.db } : { db: entry.db, coll: entry.coll };
  switch (entry.op) {
    case 'insert':
      return [{ ...base, fullDocument: entry.document, ns, documentKey: entry.documentKey }];
    case 'replace':
      return [withPreImage({ ...base, fullDocument: entry.document, ns, documentKey: entry.documentKey }, entry, options)];
    case 'update': {
      const event: Document = { ...base };
      if (options.fullDocument !== 'default') event.fullDocument = postImage(entry, options.fullDocument, lookup);
      const ambiguous = expanded && entry.disambiguatedPaths && Object.keys(entry.disambiguatedPaths).length > 0;
      const updateDescription = ambiguous
        ? { ...entry.updateDescription, disambiguatedPaths: entry.disambiguatedPaths }
        : entry.updateDescription;
      return [withPreImage({ ...event, ns, documentKey: entry.documentKey, updateDescription }, entry, options)];
    }
    case 'delete':
      return [withPreImage({ ...base, ns, documentKey: entry.documentKey }, entry, options)];
    case 'drop':
      return scope.kind === 'collection' ? [{ ...base, ns }, invalidateEvent(entry)] : [{ ...base, ns }];
    case 'rename': {
      const event = { ...base, ns, to: entry.to, ...(expanded ? { operationDescription: entry.operationDescription } : {}) };
      return scope.kind === 'collection' ? [event, invalidateEvent(entry)] : [event];
    }
    case 'dropDatabase':
      return scope.kind === 'database' ? [{ ...base, ns }, invalidateEvent(entry)] : [{ ...base, ns }];
    case 'create':
    case 'createIndexes':
    case 'dropIndexes':
      return [{ ...base, ns, operationDescription: entry.operationDescription }];
    case 'modify':
      return [{ ...base, ns, operationDescription: entry.operationDescription, stateBeforeChange: entry.stateBeforeChange }];
  }
}

function postImage(entry: OplogEntry, mode: FullDocumentMode, lookup: DocumentLookup): Document | null {
  if (mode === 'updateLookup') return lookup(entry.db, entry.coll!, entry.documentKey!);
  if (entry.postImage) return entry.postImage;
  if (mode === 'required') {
    throw new CommandError(
      'NoMatchingDocument',
      `Change stream was configured to require a post-image for all update events, but the post-image was not found for event: ${describe(entry)}`,
    );
  }
  return null;
}

function withPreImage(event: Document, entry: OplogEntry, options: EventOptions): Document {
  if (options.fullDocumentBeforeChange === 'off') return event;
  if (!entry.preImage && options.fullDocumentBeforeChange === 'required') {
    throw new CommandError(
      'NoMatchingDocument',
      `Change stream was configured to require a pre-image for all update, delete and replace events, but the pre-image was not found for event: ${describe(entry)}`,
    );
  }
  return { ...event, fullDocumentBeforeChange: entry.preImage ?? null };
}

function describe(entry: OplogEntry): string {
  return JSON.stringify({ operationType: entry.op, ns: { db: entry.db, coll: entry.coll } });
}

function invalidateEvent(entry: OplogEntry): Document {
  const point = decodeToken(entry.token)!;
  const token = encodeToken({ ...point, kind: 'invalidate' });
  return { _id: { _data: token }, operationType: 'invalidate', clusterTime: toTimestamp(entry.time), wallTime: entry.wallTime };
}

function inScope(entry: OplogEntry, scope: StreamScope): boolean {
  switch (scope.kind) {
    case 'collection':
      // A rename is seen by a stream on its source and on its target.
      return entry.db === scope.db && (entry.coll === scope.coll || (entry.to?.db === scope.db && entry.to.coll === scope.coll));
    case 'database':
      return entry.db === scope.db;
    case 'cluster':
      return !systemDatabases.has(entry.db);
  }
}
