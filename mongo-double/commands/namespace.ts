// Databases, collections and indexes: create, drop, dropDatabase, listDatabases, listCollections,
// createIndexes, listIndexes, dropIndexes.
import type { Document } from 'bson';
import { CommandError } from '../errors.js';
import { isPlainObject, valueKey } from '../documents.js';
import type { IndexSpec } from '../collection.js';
import { matcher } from '../query.js';
import type { CommandHandler } from '../state.js';
import { collectionName, docArray, docField } from './args.js';
import { checkCreateOptions } from './collection-options.js';
import { cursorReply } from './read.js';
import { viewOf } from '../views.js';

/** Fields of `create` that are about the request, not options of the collection. */
const GENERIC_FIELDS = new Set([
  'create',
  'maxTimeMS',
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
]);

const create: CommandHandler = (command, { db, state }) => {
  const name = collectionName(command);
  const options = Object.fromEntries(Object.entries(command).filter(([key]) => !GENERIC_FIELDS.has(key)));
  const existing = state.store.collection(db, name);
  // MongoDB 7.0: creating an existing collection with identical options succeeds; other options conflict.
  if (existing) {
    if (valueKey(existing.options) !== valueKey(options))
      throw new CommandError('NamespaceExists', `Collection ${db}.${name} already exists with different options.`);
    return { ok: 1 };
  }
  checkCreateOptions(options);
  state.store.ensureCollection(db, name, options);
  return { ok: 1 };
};

const drop: CommandHandler = (command, { db, state }) => {
  const name = collectionName(command);
  const indexes = state.store.collection(db, name)?.indexes.length;
  // MongoDB 7.0 answers ok for a collection that does not exist.
  if (!state.store.dropCollection(db, name)) return { ok: 1 };
  return { nIndexesWas: indexes, ns: `${db}.${name}`, ok: 1 };
};

const dropDatabase: CommandHandler = (_command, { db, state }) => {
  state.store.dropDatabase(db);
  return { ok: 1 };
};

const listDatabases: CommandHandler = (command, { state }) => {
  const filter = matcher(docField(command, 'filter'));
  const databases = state.store
    .databaseNames()
    .map((name) => ({ name, sizeOnDisk: 0, empty: false }))
    .filter(filter);
  return command.nameOnly === true
    ? { databases: databases.map(({ name }) => ({ name })), ok: 1 }
    : { databases, totalSize: 0, totalSizeMb: 0, ok: 1 };
};

const listCollections: CommandHandler = (command, context) => {
  const { db, state } = context;
  const filter = matcher(docField(command, 'filter'));
  const infos = state.store.collections(db).map((collection) =>
    viewOf(collection)
      ? { name: collection.name, type: 'view', options: collection.options, info: { readOnly: true } }
      : {
          name: collection.name,
          type: 'collection',
          options: collection.options,
          info: { readOnly: false, uuid: collection.uuid },
          idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
        },
  );
  const docs = infos.filter(filter).map((info) => (command.nameOnly === true ? { name: info.name, type: info.type } : info));
  return cursorReply(context, `${db}.$cmd.listCollections`, docs, command);
};

const createIndexes: CommandHandler = (command, { db, state }) => {
  const name = collectionName(command);
  const specs = docArray(command, 'indexes');
  if (specs.length === 0) throw new CommandError('BadValue', 'Must specify at least one index to create');
  const { collection, created } = state.store.ensureCollection(db, name);
  const before = collection.indexes.length;
  for (const spec of specs) {
    if (!isPlainObject(spec.key) || Object.keys(spec.key).length === 0)
      throw new CommandError('BadValue', "Index spec must have a non-empty 'key' document");
    if (typeof spec.name !== 'string' || spec.name.length === 0) throw new CommandError('BadValue', "Index spec must have a 'name' string");
    // An index collation changes what a unique index holds equal: refused rather than ignored.
    if (spec.collation !== undefined && (spec.collation as { locale?: unknown } | null)?.locale !== 'simple') {
      throw new CommandError('CommandNotSupported', 'indexes with a collation are not supported by the MongoDB test double');
    }
    state.store.createIndex(collection, { ...spec, v: 2, key: spec.key, name: spec.name } as IndexSpec);
  }
  const reply: Document = {
    numIndexesBefore: before,
    numIndexesAfter: collection.indexes.length,
    createdCollectionAutomatically: created,
    ok: 1,
  };
  if (before === collection.indexes.length) reply.note = 'all indexes already exist';
  return reply;
};

const listIndexes: CommandHandler = (command, context) => {
  const name = collectionName(command);
  const collection = context.state.store.collection(context.db, name);
  if (!collection) throw new CommandError('NamespaceNotFound', `ns does not exist: ${context.db}.${name}`);
  return cursorReply(context, `${context.db}.${name}`, [...collection.indexes], command);
};

const dropIndexes: CommandHandler = (command, { db, state }) => {
  const name = collectionName(command);
  const collection = state.store.collection(db, name);
  if (!collection) throw new CommandError('NamespaceNotFound', `ns not found ${db}.${name}`);
  const target: unknown = command.index;
  const before = collection.indexes.length;
  const names = target === '*' ? collection.indexes.filter((index) => index.name !== '_id_').map((index) => index.name) : [target];
  for (const indexName of names) {
    const resolved =
      typeof indexName === 'string' ? indexName : collection.indexes.find((index) => valueKey(index.key) === valueKey(indexName))?.name;
    if (!resolved || !state.store.dropIndex(collection, resolved))
      throw new CommandError('IndexNotFound', `index not found with name [${String(resolved ?? JSON.stringify(indexName))}]`);
  }
  return { nIndexesWas: before, ok: 1 };
};

/** Namespace commands by name. */
export const namespaceCommands: Record<string, CommandHandler> = {
  create,
  drop,
  dropDatabase,
  listDatabases,
  listCollections,
  createIndexes,
  listIndexes,
  dropIndexes,
};
