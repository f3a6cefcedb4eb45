// insert, update and delete: MongoDB's write commands with their reply shapes
// ({n, nModified, upserted, writeErrors}) and ordered/unordered error handling.
import { ObjectId, type Document } from 'bson';
import { CommandError, errorReply } from '../errors.js';
import { deepClone, idFirst, valueKey } from '../documents.js';
import { evalOptionsOf, type EvalOptions } from '../eval-options.js';
import { findDocuments } from '../query.js';
import { applyUpdate, buildUpsert, isReplacement } from '../update-apply.js';
import type { CommandContext, CommandHandler } from '../state.js';
import { boolField, collectionName, docArray, docField } from './args.js';

/** Runs each statement; on failure records a writeError and stops if ordered. */
function eachStatement(command: Document, statements: Document[], run: (statement: Document, index: number) => void): Document[] {
  const ordered = boolField(command, 'ordered', true);
  const writeErrors: Document[] = [];
  for (const [index, statement] of statements.entries()) {
    try {
      run(statement, index);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      const { ok: _ok, codeName: _codeName, errorLabels: _labels, ...details } = errorReply(error);
      writeErrors.push({ index, ...details });
      if (ordered) break;
    }
  }
  return writeErrors;
}

function withErrors(reply: Document, writeErrors: Document[]): Document {
  return writeErrors.length > 0 ? { ...reply, writeErrors, ok: 1 } : { ...reply, ok: 1 };
}

const insert: CommandHandler = (command, { db, state }) => {
  const name = collectionName(command);
  const documents = docArray(command, 'documents');
  const { collection } = state.store.ensureCollection(db, name);
  let n = 0;
  const writeErrors = eachStatement(command, documents, (doc) => {
    const stored = idFirst(deepClone(doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc));
    state.store.insert(collection, stored);
    n += 1;
  });
  return withErrors({ n }, writeErrors);
};

/** Applies one update statement: updates the first (or, with multi, every) match, or upserts. */
function updateStatement(
  context: CommandContext,
  name: string,
  statement: Document,
  evalOptions: EvalOptions,
): { matched: number; modified: number; upsertedId?: unknown } {
  const { db, state } = context;
  const query = docField(statement, 'q');
  const spec = statement.u as Document | Document[] | undefined;
  if (spec === undefined || typeof spec !== 'object' || spec === null)
    throw new CommandError('IDLFailedToParse', "BSON field 'update.updates.u' is missing but a required field");
  const multi = boolField(statement, 'multi', false);
  if (multi && isReplacement(spec)) throw new CommandError('FailedToParse', 'multi update is not supported for replacement-style update');
  const arrayFilters = statement.arrayFilters as Document[] | undefined;
  const collection = state.store.collection(db, name);
  const targets = findDocuments(collection, query, { limit: multi ? undefined : 1, eval: evalOptions });
  if (targets.length === 0) {
    if (!boolField(statement, 'upsert', false)) return { matched: 0, modified: 0 };
    const doc = buildUpsert(query, spec, arrayFilters, evalOptions);
    state.store.insert(state.store.ensureCollection(db, name).collection, doc);
    return { matched: 0, modified: 0, upsertedId: doc._id };
  }
  let modified = 0;
  for (const before of targets) {
    const after = applyUpdate(before, spec, { arrayFilters, query, eval: evalOptions });
    // Field order matters to BSON equality, as it does to mongod's no-op detection.
    if (valueKey(after) === valueKey(before)) continue;
    state.store.rewrite(collection!, before, after, isReplacement(spec) ? 'replace' : 'update');
    modified += 1;
  }
  return { matched: targets.length, modified };
}

const update: CommandHandler = (command, context) => {
  const name = collectionName(command);
  const statements = docArray(command, 'updates');
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  // MongoDB 8.0 added `sort` to update statements; a 7.0 server's parser fails the whole command.
  if (statements.some((statement) => statement.sort !== undefined))
    throw new CommandError('IDLUnknownField', "BSON field 'update.updates.sort' is an unknown field.");
  const writeErrors = eachStatement(command, statements, (statement, index) => {
    const result = updateStatement(context, name, statement, evalOptionsOf(command, statement));
    n += result.matched;
    nModified += result.modified;
    if (result.upsertedId !== undefined) {
      n += 1;
      upserted.push({ index, _id: result.upsertedId });
    }
  });
  return withErrors({ n, nModified, ...(upserted.length > 0 ? { upserted } : {}) }, writeErrors);
};

const remove: CommandHandler = (command, { db, state }) => {
  const name = collectionName(command);
  const statements = docArray(command, 'deletes');
  let n = 0;
  const writeErrors = eachStatement(command, statements, (statement) => {
    const evalOptions = evalOptionsOf(command, statement);
    const limit = statement.limit;
    if (limit !== 0 && limit !== 1) throw new CommandError('FailedToParse', 'The limit field in delete objects must be 0 or 1');
    const collection = state.store.collection(db, name);
    const targets = findDocuments(collection, docField(statement, 'q'), { limit: limit === 1 ? 1 : undefined, eval: evalOptions });
    for (const doc of targets) state.store.remove(collection!, doc._id);
    n += targets.length;
  });
  return withErrors({ n }, writeErrors);
};

/** Write commands by name. */
export const writeCommands: Record<string, CommandHandler> = { insert, update, delete: remove };
