// collMod (changeStreamPreAndPostImages only) and renameCollection (within one database), the
// collection changes that change streams see.
import type { Document } from 'bson';
import { CommandError } from '../errors.js';
import type { CommandHandler } from '../state.js';
import { collectionName, stringField } from './args.js';
import { checkPreAndPostImages } from './collection-options.js';
import { refuseOnView } from '../views.js';

/** Fields of a command that are about the request, not what it changes. */
const GENERIC_FIELDS = new Set([
  'lsid',
  'txnNumber',
  '$clusterTime',
  '$db',
  '$readPreference',
  'writeConcern',
  'comment',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  'maxTimeMS',
]);

const collMod: CommandHandler = (command, { db, state }) => {
  const name = collectionName(command);
  const changes = Object.entries(command)
    .slice(1)
    .filter(([key]) => !GENERIC_FIELDS.has(key));
  for (const [key, value] of changes) {
    if (key !== 'changeStreamPreAndPostImages')
      throw new CommandError(
        'CommandNotSupported',
        `collMod '${key}' is not supported by the MongoDB test double (only changeStreamPreAndPostImages)`,
      );
    checkPreAndPostImages(value, 'collMod');
  }
  const collection = state.store.collection(db, name);
  if (!collection) throw new CommandError('NamespaceNotFound', `ns does not exist: ${db}.${name}`);
  const images = command.changeStreamPreAndPostImages as Document | undefined;
  state.store.modify(collection, images ? { changeStreamPreAndPostImages: images } : {}, (options) => {
    // Disabling removes the option, as mongod's listCollections then shows none.
    if (images?.enabled === true) options.changeStreamPreAndPostImages = { enabled: true };
    else if (images) delete options.changeStreamPreAndPostImages;
  });
  return { ok: 1 };
};

/** Splits "db.collection" at its first dot. */
function splitNamespace(ns: string, field: string): { db: string; coll: string } {
  const dot = ns.indexOf('.');
  if (dot <= 0 || dot === ns.length - 1) throw new CommandError('InvalidNamespace', `Invalid ${field} namespace: ${ns}`);
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

const renameCollection: CommandHandler = (command, { db, state }) => {
  if (db !== 'admin') throw new CommandError('Unauthorized', 'renameCollection may only be run against the admin database.');
  const source = splitNamespace(stringField(command, 'renameCollection'), 'source');
  const target = splitNamespace(stringField(command, 'to'), 'target');
  if (source.db === target.db && source.coll === target.coll)
    throw new CommandError('IllegalOperation', "Can't rename a collection to itself");
  if (source.db !== target.db)
    throw new CommandError('CommandNotSupported', 'renaming a collection to another database is not supported by the MongoDB test double');
  if (!state.store.collection(source.db, source.coll))
    throw new CommandError('NamespaceNotFound', `Source collection ${source.db}.${source.coll} does not exist`);
  refuseOnView(state.store, source.db, source.coll);
  refuseOnView(state.store, target.db, target.coll);
  if (state.store.collection(target.db, target.coll) && command.dropTarget !== true)
    throw new CommandError('NamespaceExists', 'target namespace exists');
  state.store.renameCollection(source.db, source.coll, target.coll);
  return { ok: 1 };
};

/** Collection administration commands by name. */
export const collectionAdminCommands: Record<string, CommandHandler> = { collMod, renameCollection };
