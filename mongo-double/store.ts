// The double's data: databases of collections, and the oplog every change goes through. Each
// mutating method writes the data and its oplog entry together, so change streams see every write.
import type { Document } from 'bson';
import { Collection } from './collection.js';
import { CommandError } from './errors.js';
import type { IndexSpec } from './collection.js';
import type { Oplog } from './oplog.js';
import { diffUpdate } from './update-description.js';

/** All databases, collections and the oplog. Survives restarts of the server. */
export class Store {
  private readonly databases = new Map<string, Map<string, Collection>>();

  constructor(readonly oplog: Oplog) {}

  /** The collection, if it exists. */
  collection(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** The collection, created (implicitly, as mongod does on first write) if missing. */
  ensureCollection(db: string, name: string, options: Document = {}): { collection: Collection; created: boolean } {
    const existing = this.collection(db, name);
    if (existing) return { collection: existing, created: false };
    validateNamespace(db, name);
    let collections = this.databases.get(db);
    if (!collections) this.databases.set(db, (collections = new Map()));
    const collection = new Collection(db, name, options);
    collections.set(name, collection);
    const view = typeof options.viewOn === 'string';
    const operationDescription = view
      ? { viewOn: options.viewOn, pipeline: options.pipeline ?? [] }
      : { ...options, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } };
    this.oplog.append({ op: 'create', db, coll: name, ...(view ? {} : { uuid: collection.uuid }), operationDescription });
    return { collection, created: true };
  }

  /** Collections of a database, in creation order. */
  collections(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  /** Names of databases that hold at least one collection. */
  databaseNames(): string[] {
    return [...this.databases].filter(([, collections]) => collections.size > 0).map(([name]) => name);
  }

  /** Inserts one document (which must have an _id) and logs it. */
  insert(collection: Collection, doc: Document): void {
    collection.insert(doc);
    this.oplog.append({
      op: 'insert',
      db: collection.db,
      coll: collection.name,
      uuid: collection.uuid,
      documentKey: { _id: doc._id },
      document: doc,
    });
  }

  /** Stores a new version of a document; logs an update (operators) or a replace (whole document). */
  rewrite(collection: Collection, before: Document, after: Document, kind: 'update' | 'replace'): void {
    collection.replace(after);
    const images = collection.recordsImages ? { preImage: before, ...(kind === 'update' ? { postImage: after } : {}) } : {};
    const base = { db: collection.db, coll: collection.name, uuid: collection.uuid, documentKey: { _id: after._id }, ...images };
    if (kind === 'replace') {
      this.oplog.append({ ...base, op: 'replace', document: after });
      return;
    }
    const { description, disambiguatedPaths } = diffUpdate(before, after);
    this.oplog.append({ ...base, op: 'update', updateDescription: description, disambiguatedPaths });
  }

  /** Deletes a document and logs it. */
  remove(collection: Collection, id: unknown): void {
    const removed = collection.remove(id);
    if (!removed) return;
    const images = collection.recordsImages ? { preImage: removed } : {};
    this.oplog.append({
      op: 'delete',
      db: collection.db,
      coll: collection.name,
      uuid: collection.uuid,
      documentKey: { _id: id },
      ...images,
    });
  }

  /** Drops a collection (logging a drop); false if it did not exist. */
  dropCollection(db: string, name: string): boolean {
    const collections = this.databases.get(db);
    const collection = collections?.get(name);
    if (!collection) return false;
    collections!.delete(name);
    // Dropping a view removes its definition (a system.views write), which change streams do not show.
    if (typeof collection.options.viewOn !== 'string') this.oplog.append({ op: 'drop', db, coll: name, uuid: collection.uuid });
    return true;
  }

  /**
   * Renames a collection within its database, replacing `to` when `dropTarget` (one oplog entry, as
   * mongod 4.2+ logs it). The caller has checked that the source exists and the target may go.
   */
  renameCollection(db: string, from: string, to: string): void {
    validateNamespace(db, to);
    const collections = this.databases.get(db)!;
    const collection = collections.get(from)!;
    const replaced = collections.get(to);
    collections.delete(from);
    collections.delete(to);
    collection.name = to;
    collections.set(to, collection);
    const operationDescription = { to: { db, coll: to }, ...(replaced ? { dropTarget: replaced.uuid } : {}) };
    this.oplog.append({ op: 'rename', db, coll: from, uuid: collection.uuid, to: { db, coll: to }, operationDescription });
  }

  /** Adds an index to a collection and logs createIndexes; false if an identical one exists. */
  createIndex(collection: Collection, spec: IndexSpec): boolean {
    if (!collection.createIndex(spec)) return false;
    this.oplog.append({
      op: 'createIndexes',
      db: collection.db,
      coll: collection.name,
      uuid: collection.uuid,
      operationDescription: { indexes: [spec] },
    });
    return true;
  }

  /** Drops an index by name and logs dropIndexes; false if there is none. */
  dropIndex(collection: Collection, name: string): boolean {
    const spec = collection.indexes.find((index) => index.name === name);
    if (!spec || !collection.dropIndex(name)) return false;
    this.oplog.append({
      op: 'dropIndexes',
      db: collection.db,
      coll: collection.name,
      uuid: collection.uuid,
      operationDescription: { indexes: [spec] },
    });
    return true;
  }

  /** Applies a collMod (`apply` edits the options; `changes` is what it asked for) and logs modify. */
  modify(collection: Collection, changes: Document, apply: (options: Document) => void): void {
    const stateBeforeChange = { collectionOptions: { uuid: collection.uuid, ...collection.options } };
    apply(collection.options);
    this.oplog.append({
      op: 'modify',
      db: collection.db,
      coll: collection.name,
      uuid: collection.uuid,
      operationDescription: changes,
      stateBeforeChange,
    });
  }

  /** Drops every collection of a database, then logs dropDatabase. */
  dropDatabase(db: string): void {
    if (!this.databases.has(db)) return;
    for (const collection of this.collections(db)) this.dropCollection(db, collection.name);
    this.databases.delete(db);
    this.oplog.append({ op: 'dropDatabase', db });
  }
}

function validateNamespace(db: string, name: string): void {
  if (!/^[^/\\. "$*<>:|?]{1,63}$/.test(db)) throw new CommandError('InvalidNamespace', `Invalid database name: '${db}'`);
  if (name.length === 0 || name.includes('$') || name.includes('\0') || name.startsWith('system.')) {
    throw new CommandError('InvalidNamespace', `Invalid collection name: '${name}'`);
  }
}
