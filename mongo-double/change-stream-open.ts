// Opening a change stream from `aggregate` with a leading $changeStream stage: scope, start
// position (resumeAfter / startAfter / startAtOperationTime / now) and the stages after it.
import type { Document } from 'bson';
import { ChangeStream } from './change-stream.js';
import type { FullDocumentBeforeChangeMode, FullDocumentMode, StreamScope } from './change-events.js';
import { isPlainObject } from './documents.js';
import { checkChangeStreamPipeline } from './pipeline-stages.js';
import { CommandError } from './errors.js';
import { compareOpTime, fromTimestamp, previousOpTime, type OpTime } from './op-time.js';
import { decodeToken } from './resume-token.js';
import { refuseOnView } from './views.js';
import type { Store } from './store.js';

const OPTIONS = new Set([
  'fullDocument',
  'fullDocumentBeforeChange',
  'resumeAfter',
  'startAfter',
  'startAtOperationTime',
  'allChangesForCluster',
  'showExpandedEvents',
  'showSystemEvents',
  'allowToRunOnConfigDB',
]);
const FULL_DOCUMENT_MODES: ReadonlySet<string> = new Set(['default', 'updateLookup', 'whenAvailable', 'required']);
const BEFORE_CHANGE_MODES: ReadonlySet<string> = new Set(['off', 'whenAvailable', 'required']);

/** Builds the stream for `aggregate` on `target` (a collection name, or 1 for a database or the cluster). */
export function openChangeStream(store: Store, db: string, target: unknown, pipeline: Document[]): ChangeStream {
  checkChangeStreamPipeline(pipeline);
  const spec = pipeline[0]!.$changeStream as unknown;
  if (!isPlainObject(spec)) throw new CommandError('TypeMismatch', '$changeStream stage must be an object');
  for (const key of Object.keys(spec)) {
    if (!OPTIONS.has(key)) throw new CommandError('IDLFailedToParse', `BSON field '$changeStream.${key}' is an unknown field.`);
  }
  const stages = pipeline.slice(1);
  // The double has no system collections whose events this would add.
  if (spec.showSystemEvents === true)
    throw new CommandError('CommandNotSupported', 'the MongoDB test double does not implement showSystemEvents');
  if (spec.showExpandedEvents !== undefined && typeof spec.showExpandedEvents !== 'boolean')
    throw new CommandError('TypeMismatch', "BSON field '$changeStream.showExpandedEvents' is the wrong type, expected type 'bool'");
  const fullDocument = enumOption(spec, 'fullDocument', FULL_DOCUMENT_MODES, 'default') as FullDocumentMode;
  const fullDocumentBeforeChange = enumOption(spec, 'fullDocumentBeforeChange', BEFORE_CHANGE_MODES, 'off') as FullDocumentBeforeChangeMode;
  const lookup = (lookupDb: string, coll: string, key: Document): Document | null => store.collection(lookupDb, coll)?.get(key._id) ?? null;
  return new ChangeStream(
    store.oplog,
    scopeOf(store, db, target, spec),
    { fullDocument, fullDocumentBeforeChange, showExpandedEvents: spec.showExpandedEvents === true },
    stages,
    startPosition(store, spec),
    lookup,
  );
}

/** A string option of $changeStream limited to `allowed`, with the IDL's error for other values. */
function enumOption(spec: Document, field: string, allowed: ReadonlySet<string>, fallback: string): string {
  const value: unknown = spec[field] ?? fallback;
  if (typeof value !== 'string')
    throw new CommandError(
      'TypeMismatch',
      `BSON field '$changeStream.${field}' is the wrong type '${typeof value}', expected type 'string'`,
    );
  if (!allowed.has(value))
    throw new CommandError('BadValue', `Enumeration value '${value}' for field '$changeStream.${field}' is not a valid value.`);
  return value;
}

function scopeOf(store: Store, db: string, target: unknown, spec: Document): StreamScope {
  if (spec.allChangesForCluster === true) {
    if (db !== 'admin' || target !== 1)
      throw new CommandError(
        'InvalidOptions',
        "A $changeStream with 'allChangesForCluster:true' may only be opened on the 'admin' database, and with no collection name",
      );
    return { kind: 'cluster' };
  }
  if (db === 'admin' || db === 'config' || db === 'local')
    throw new CommandError('InvalidNamespace', `$changeStream may not be opened on the internal ${db} database`);
  if (target === 1) return { kind: 'database', db };
  if (typeof target !== 'string' || target.length === 0)
    throw new CommandError('TypeMismatch', "'aggregate' must be a collection name or 1");
  refuseOnView(store, db, target);
  return { kind: 'collection', db, coll: target };
}

const historyLost = (): CommandError =>
  new CommandError(
    'ChangeStreamHistoryLost',
    'Resume of change stream was not possible, as the resume point may no longer be in the oplog.',
  );

/** The position the stream reads after. */
function startPosition(store: Store, spec: Document): OpTime {
  const { oplog } = store;
  const given = ['resumeAfter', 'startAfter', 'startAtOperationTime'].filter((key) => spec[key] !== undefined);
  if (given.length > 1)
    throw new CommandError('BadValue', `Only one type of resume option is allowed, but multiple were found: ${given.join(', ')}`);
  if (spec.startAtOperationTime !== undefined) {
    const time = fromTimestamp(spec.startAtOperationTime);
    if (!time) throw new CommandError('TypeMismatch', "BSON field '$changeStream.startAtOperationTime' must be a Timestamp");
    const position = previousOpTime(time);
    if (compareOpTime(position, oplog.retainedFrom) < 0) throw historyLost();
    return position;
  }
  const option = spec.resumeAfter !== undefined ? 'resumeAfter' : spec.startAfter !== undefined ? 'startAfter' : null;
  if (!option) return oplog.head;
  const token = spec[option] as unknown;
  if (!isPlainObject(token)) throw new CommandError('TypeMismatch', `BSON field '$changeStream.${option}' must be a resume token document`);
  const point = decodeToken(token._data);
  // A token this double never issued is, as far as it can tell, a point no longer in its oplog.
  if (!point || point.epoch !== oplog.epoch) throw historyLost();
  // A high-water mark may lie ahead of the latest write (a stream started at a future time reports one).
  if (point.kind === 'highWater') {
    if (compareOpTime(point.time, oplog.retainedFrom) < 0) throw historyLost();
    return point.time;
  }
  if (!oplog.canResumeAfter(point.time)) throw historyLost();
  const entry = oplog.find(point.time);
  if (!entry) throw historyLost();
  if (point.kind === 'event' && entry.token !== token._data) throw historyLost();
  if (point.kind === 'invalidate') {
    if (entry.op !== 'drop' && entry.op !== 'dropDatabase' && entry.op !== 'rename') throw historyLost();
    if (option === 'resumeAfter') {
      throw new CommandError(
        'InvalidResumeToken',
        "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification",
      );
    }
  }
  return point.time;
}
