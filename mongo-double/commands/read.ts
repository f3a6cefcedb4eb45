// find, count and distinct, plus the cursor reply shape shared by every cursor-returning command.
import { Long, type Document } from 'bson';
import { takeBatch, type FindCursor } from '../cursors.js';
import { getPath, valueKey } from '../documents.js';
import { CommandError } from '../errors.js';
import { toTimestamp } from '../op-time.js';
import { evalOptionsOf } from '../eval-options.js';
import { findDocuments } from '../query.js';
import { readSource } from '../views.js';
import type { CommandContext, CommandHandler } from '../state.js';
import { collectionName, countField, docField, stringField } from './args.js';

/** mongod's default size of a first batch. */
const DEFAULT_FIRST_BATCH = 101;

/**
 * Replies with a cursor over `docs`: the first batch now, the rest through getMore. The cursor
 * is only registered when documents remain (id 0 otherwise, as mongod does).
 */
export function cursorReply(context: CommandContext, ns: string, docs: Document[], command: Document): Document {
  const cursorOptions = docField(command, 'cursor');
  const batchSize = countField(command, 'batchSize') ?? countField(cursorOptions, 'batchSize') ?? DEFAULT_FIRST_BATCH;
  const snapshot = (command.readConcern as Document | undefined)?.level === 'snapshot';
  const cursor: FindCursor = { kind: 'find', ns, docs, offset: 0 };
  if (snapshot) cursor.atClusterTime = toTimestamp(context.state.store.oplog.head);
  const firstBatch = takeBatch(cursor, batchSize < 0 ? Math.abs(batchSize) : batchSize);
  const single = command.singleBatch === true || (typeof command.limit === 'number' && command.limit < 0);
  const id = cursor.offset < docs.length && !single ? context.state.cursors.open(cursor).id : Long.ZERO;
  const reply: Document = { cursor: { firstBatch, id, ns }, ok: 1 };
  if (cursor.atClusterTime) (reply.cursor as Document).atClusterTime = cursor.atClusterTime;
  return reply;
}

const find: CommandHandler = (command, context) => {
  const name = collectionName(command);
  const limit = countField(command, 'limit');
  const docs = findDocuments(readSource(context.state.store, context.db, name), docField(command, 'filter'), {
    sort: docField(command, 'sort'),
    projection: docField(command, 'projection'),
    skip: countField(command, 'skip'),
    limit: limit === undefined ? undefined : Math.abs(limit),
    eval: evalOptionsOf(command),
  });
  return cursorReply(context, `${context.db}.${name}`, docs, command);
};

const count: CommandHandler = (command, { db, state }) => {
  const name = collectionName(command);
  const limit = countField(command, 'limit');
  const docs = findDocuments(readSource(state.store, db, name), docField(command, 'query'), {
    skip: countField(command, 'skip'),
    limit: limit === undefined ? undefined : Math.abs(limit),
    eval: evalOptionsOf(command),
  });
  return { n: docs.length, ok: 1 };
};

const distinct: CommandHandler = (command, { db, state }) => {
  const name = collectionName(command);
  const key = stringField(command, 'key');
  if (key.length === 0) throw new CommandError('BadValue', 'FieldPath cannot be constructed with empty string');
  // Which values are distinct depends on the collation: not done rather than done binary.
  if (evalOptionsOf(command).collation)
    throw new CommandError('CommandNotSupported', 'distinct with a collation is not supported by the MongoDB test double');
  const seen = new Map<string, unknown>();
  for (const doc of findDocuments(readSource(state.store, db, name), docField(command, 'query'))) {
    const value = getPath(doc, key);
    // distinct looks inside arrays: each element is a value of its own.
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined) seen.set(valueKey(item), item);
    }
  }
  return { values: [...seen.values()], ok: 1 };
};

/** Read commands by name. */
export const readCommands: Record<string, CommandHandler> = { find, count, distinct };
