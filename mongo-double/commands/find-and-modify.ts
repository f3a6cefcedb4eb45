// findAndModify: update, replace, upsert or remove one document and return it (before or after).
import type { Document } from 'bson';
import { CommandError, evaluate } from '../errors.js';
import { evalOptionsOf } from '../eval-options.js';
import { findDocuments } from '../query.js';
import { applyUpdate, buildUpsert, isReplacement } from '../update-apply.js';
import { valueKey } from '../documents.js';
import type { CommandHandler } from '../state.js';
import { boolField, collectionName, docField } from './args.js';
import { find as mingoFind } from 'mingo';

function project(doc: Document | null, fields: Document): Document | null {
  if (!doc || Object.keys(fields).length === 0) return doc;
  return evaluate(() => (mingoFind([doc], {}, fields).all()[0] as Document | undefined) ?? null);
}

const findAndModify: CommandHandler = (command, { db, state }) => {
  const name = collectionName(command);
  const query = docField(command, 'query');
  const fields = docField(command, 'fields');
  const remove = boolField(command, 'remove', false);
  const spec = command.update as Document | Document[] | undefined;
  if (remove === (spec !== undefined)) throw new CommandError('FailedToParse', 'Either an update or remove=true must be specified');
  if (remove && command.upsert === true) throw new CommandError('FailedToParse', 'Cannot specify both an upsert and remove=true');
  if (spec !== undefined && (typeof spec !== 'object' || spec === null))
    throw new CommandError('TypeMismatch', "BSON field 'update' must be a document or a pipeline");
  const returnNew = boolField(command, 'new', false);
  const collection = state.store.collection(db, name);
  const evalOptions = evalOptionsOf(command);
  const [target] = findDocuments(collection, query, { sort: docField(command, 'sort'), limit: 1, eval: evalOptions });

  if (remove) {
    if (target) state.store.remove(collection!, target._id);
    return { lastErrorObject: { n: target ? 1 : 0 }, value: project(target ?? null, fields), ok: 1 };
  }
  const arrayFilters = command.arrayFilters as Document[] | undefined;
  if (!target) {
    if (!boolField(command, 'upsert', false)) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
    const doc = buildUpsert(query, spec!, arrayFilters, evalOptions);
    state.store.insert(state.store.ensureCollection(db, name).collection, doc);
    return { lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id }, value: returnNew ? project(doc, fields) : null, ok: 1 };
  }
  const after = applyUpdate(target, spec!, { arrayFilters, query, eval: evalOptions });
  if (valueKey(after) !== valueKey(target)) state.store.rewrite(collection!, target, after, isReplacement(spec!) ? 'replace' : 'update');
  return { lastErrorObject: { n: 1, updatedExisting: true }, value: project(returnNew ? after : target, fields), ok: 1 };
};

/** findAndModify (and its lowercase alias). */
export const findAndModifyCommands: Record<string, CommandHandler> = { findAndModify, findandmodify: findAndModify };
