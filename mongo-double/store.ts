// The double's data: databases of collections, and the oplog every change goes through. Each
// mutating method writes the data and its oplog entry together, so change streams see every write.
import type { Document } from 'bson';
import { Collection } from './collection.js';
import { CommandError } from './errors.js';
import type { Oplog } from './oplog.js';
import { describeUpdate } from './update-description.js';

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
    this.oplog.append({ op: 'insert', db: collection.db, coll: collection.name, documentKey: { _id: doc._id }, document: doc });
  }

  /** Stores a new version of a document; logs an update (operators) or a replace (whole document). */
  rewrite(collection: Collection, before: Document, after: Document, kind: 'update' | 'replace'): void {
    collection.replace(after);
    const base = { db: collection.db, coll: collection.name, documentKey: { _id: after._id } };
    if (kind === 'replace') this.oplog.append({ ...base, op: 'replace', document: after });
    else this.oplog.append({ ...base, op: 'update', updateDescription: describeUpdate(before, after) });
  }

  /** Deletes a document and logs it. */
  remove(collection: Collection, id: unknown): void {
    if (collection.remove(id)) this.oplog.append({ op: 'delete', db: collection.db, coll: collection.name, documentKey: { _id: id } });
  }

  /** Drops a collection (logging a drop); false if it did not exist. */
  dropCollection(db: string, name: string): boolean {
    const collections = this.databases.get(db);
    if (!collections?.delete(name)) return false;
    this.oplog.append({ op: 'drop', db, coll: name });
    return true;
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
