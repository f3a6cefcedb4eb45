import { ObjectId, type Timestamp, type ChangeStreamDocument, type Document } from 'mongodb';
import { productFromDocument } from '../../contract/product-document.js';
import type { ClusterTime } from '../../contract/stream-position.js';
import type { TimedEvent } from '../delivery/catch-up-source.js';
import { OPERATIONS, type EventMessage, type Operation } from '../../contract/protocol.js';

// One MongoDB change event → one protocol `event`. The product goes through productFromDocument, the
// same mapping the API answers with, so a client sees the same product either way.

const PRODUCT_OPS: ReadonlySet<string> = new Set(OPERATIONS);

/** The protocol event for a change, with its cluster time; null for changes that are not about a product (drop, rename, invalidate…). */
export function eventFromChange(change: ChangeStreamDocument<Document>): TimedEvent | null {
  if (!PRODUCT_OPS.has(change.operationType)) return null;
  const doc = change as ChangeStreamDocument<Document> & {
    _id: { _data: string };
    ns: { db: string; coll?: string };
    documentKey: { _id: unknown };
    fullDocument?: Document | null;
    wallTime?: Date;
    clusterTime?: Timestamp;
    updateDescription?: { updatedFields?: Document; removedFields?: string[] };
  };
  const time = doc.clusterTime ? clusterTimeOf(doc.clusterTime) : undefined;
  const event: EventMessage = {
    type: 'event',
    id: doc._id._data,
    op: change.operationType as Operation,
    ns: { db: doc.ns.db, coll: doc.ns.coll ?? '' },
    key: { id: String(doc.documentKey._id) },
    at: (doc.wallTime ?? (time ? new Date(time.t * 1000) : new Date())).toISOString(),
    product: change.operationType !== 'delete' && doc.fullDocument ? productFromDocument(doc.fullDocument) : null,
  };
  if (change.operationType === 'update' && doc.updateDescription) {
    event.changes = {
      updated: plain(doc.updateDescription.updatedFields ?? {}) as Record<string, unknown>,
      removed: doc.updateDescription.removedFields ?? [],
    };
  }
  return time ? { event, time } : { event };
}

/** A BSON Timestamp as a cluster time. */
export function clusterTimeOf(timestamp: Timestamp): ClusterTime {
  return { t: timestamp.getHighBitsUnsigned(), i: timestamp.getLowBitsUnsigned() };
}

/** BSON values as the API would show them in JSON: dates as ISO strings, ObjectIds as hex. */
function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof ObjectId) return value.toHexString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  }
  if (value && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(): unknown }).toJSON();
  }
  return value;
}
