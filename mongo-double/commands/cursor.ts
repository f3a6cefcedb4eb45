// getMore and killCursors. A change stream's getMore is awaitData: it waits for writes up to maxTimeMS.
import { Long, type Document } from 'bson';
import { takeBatch } from '../cursors.js';
import { CommandError } from '../errors.js';
import { waitForEvents } from '../stream-wait.js';
import type { CommandHandler } from '../state.js';
import { countField, stringField } from './args.js';

/** How long an awaitData getMore waits when the client gives no maxTimeMS (mongod's default). */
const DEFAULT_AWAIT_MS = 1000;

function cursorId(value: unknown, field: string): Long {
  if (value instanceof Long) return value;
  if (typeof value === 'number' && Number.isInteger(value)) return Long.fromNumber(value);
  throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type, expected type 'long'`);
}

const getMore: CommandHandler = async (command, { state, connection, facts }) => {
  const id = cursorId(command.getMore, 'getMore');
  stringField(command, 'collection');
  const batchSize = countField(command, 'batchSize');
  const cursor = state.cursors.get(id);
  if (!cursor) throw new CommandError('CursorNotFound', `cursor id ${id.toString()} not found`);
  if (cursor.kind === 'changeStream') facts.checkedOutChangeStream = true;
  try {
    state.failPoints.checkGetMoreAfterCheckout(cursor.ns, connection.appName);
  } catch (error) {
    // mongod deletes a cursor whose getMore failed after checking it out.
    state.cursors.close(id);
    throw error;
  }
  if (cursor.kind === 'find') {
    const nextBatch = takeBatch(cursor, batchSize && batchSize > 0 ? batchSize : Infinity);
    const exhausted = cursor.offset >= cursor.docs.length;
    if (exhausted) state.cursors.close(id);
    const reply: Document = { cursor: { nextBatch, id: exhausted ? Long.ZERO : id, ns: cursor.ns }, ok: 1 };
    if (cursor.atClusterTime) (reply.cursor as Document).atClusterTime = cursor.atClusterTime;
    return reply;
  }
  const maxTimeMs = countField(command, 'maxTimeMS') ?? DEFAULT_AWAIT_MS;
  cursor.busy = true;
  try {
    const batch = await waitForEvents(
      cursor.stream,
      state.store.oplog,
      batchSize && batchSize > 0 ? batchSize : Infinity,
      maxTimeMs,
      connection.signal,
    );
    if (batch.invalidated) state.cursors.close(id);
    return {
      cursor: {
        nextBatch: batch.events,
        postBatchResumeToken: cursor.stream.postBatchResumeToken(),
        id: batch.invalidated ? Long.ZERO : id,
        ns: cursor.ns,
      },
      ok: 1,
    };
  } catch (error) {
    // A stream that fell off the oplog is dead, as on mongod: the client must start again.
    state.cursors.close(id);
    throw error;
  } finally {
    cursor.busy = false;
  }
};

const killCursors: CommandHandler = (command, { state }) => {
  stringField(command, 'killCursors');
  const ids = command.cursors;
  if (!Array.isArray(ids)) throw new CommandError('TypeMismatch', "BSON field 'cursors' must be an array of cursor ids");
  const cursorsKilled: Long[] = [];
  const cursorsNotFound: Long[] = [];
  for (const value of ids) {
    const id = cursorId(value, 'cursors');
    (state.cursors.close(id) ? cursorsKilled : cursorsNotFound).push(id);
  }
  return { cursorsKilled, cursorsNotFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

/** Cursor commands by name. */
export const cursorCommands: Record<string, CommandHandler> = { getMore, killCursors };
