// One collection's documents and indexes. Documents are immutable once stored: a write replaces the
// object, so oplog entries and open cursors may keep references without copying.
import { UUID, type Document } from 'bson';
import { CommandError } from './errors.js';
import { getPath, isPlainObject, valueKey } from './documents.js';
import { matcher } from './query.js';

/** An index as listIndexes shows it. Only `unique` (with `sparse` and `partialFilterExpression`) changes behaviour. */
export interface IndexSpec {
  v: 2;
  key: Document;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  [option: string]: unknown;
}

/** A collection: documents by _id in insertion (natural) order, and unique-index lookups. */
export class Collection {
  readonly uuid = new UUID();
  private readonly docs = new Map<string, Document>();
  private readonly indexList: IndexSpec[] = [{ v: 2, key: { _id: 1 }, name: '_id_' }];
  /** For each unique index (other than _id): index key → _id key of the holder. */
  private readonly uniqueKeys = new Map<string, Map<string, string>>();

  constructor(
    readonly db: string,
    /** Changes only with renameCollection. */
    public name: string,
    /** Options given to `create` or `collMod`: listed, compared; only changeStreamPreAndPostImages acts. */
    readonly options: Document = {},
  ) {}

  /** Whether writes record pre- and post-images for change streams (changeStreamPreAndPostImages). */
  get recordsImages(): boolean {
    return (this.options.changeStreamPreAndPostImages as Document | undefined)?.enabled === true;
  }

  /** Number of documents. */
  get count(): number {
    return this.docs.size;
  }

  /** All documents in natural order (do not mutate them). */
  all(): Document[] {
    return [...this.docs.values()];
  }

  /** The stored document with this _id. */
  get(id: unknown): Document | undefined {
    return this.docs.get(valueKey(id));
  }

  /** The indexes, _id_ first. */
  get indexes(): readonly IndexSpec[] {
    return this.indexList;
  }

  /** Stores a new document; DuplicateKey (11000) if its _id or a unique key is taken. */
  insert(doc: Document): void {
    checkIdForStorage(doc._id);
    const idKey = valueKey(doc._id);
    if (this.docs.has(idKey)) this.duplicate(this.indexList[0]!, doc);
    const keys = this.uniqueKeysOf(doc, idKey);
    for (const [index, key] of keys) this.uniqueKeys.get(index.name)!.set(key, idKey);
    this.docs.set(idKey, doc);
  }

  /** Replaces the document with the same _id; DuplicateKey if the new version clashes with another. */
  replace(doc: Document): void {
    checkIdForStorage(doc._id);
    const idKey = valueKey(doc._id);
    const old = this.docs.get(idKey);
    if (!old) throw new Error('replace of a missing document');
    const keys = this.uniqueKeysOf(doc, idKey);
    this.forgetKeys(old);
    for (const [index, key] of keys) this.uniqueKeys.get(index.name)!.set(key, idKey);
    this.docs.set(idKey, doc);
  }

  /** Removes the document with this _id; returns it. */
  remove(id: unknown): Document | undefined {
    const idKey = valueKey(id);
    const old = this.docs.get(idKey);
    if (!old) return undefined;
    this.forgetKeys(old);
    this.docs.delete(idKey);
    return old;
  }

  /** Adds an index; false if an identical one exists. Conflicts and existing duplicates are errors. */
  createIndex(spec: IndexSpec): boolean {
    const sameName = this.indexList.find((index) => index.name === spec.name);
    const sameKey = this.indexList.find((index) => valueKey(index.key) === valueKey(spec.key));
    if (sameName && valueKey(sameName.key) !== valueKey(spec.key)) {
      throw new CommandError(
        'IndexKeySpecsConflict',
        `An existing index has the same name as the requested index but different keys: ${spec.name}`,
      );
    }
    if (sameKey) {
      if (Boolean(sameKey.unique) !== Boolean(spec.unique) || sameKey.name !== spec.name) {
        throw new CommandError(
          'IndexOptionsConflict',
          `An equivalent index already exists with a different name or options: ${sameKey.name}`,
        );
      }
      return false;
    }
    if (spec.partialFilterExpression !== undefined) partialFilterOf(spec); // a bad filter fails the createIndexes
    if (spec.unique) {
      const keys = new Map<string, string>();
      for (const [idKey, doc] of this.docs) {
        const key = indexKeyOf(spec, doc);
        if (key === null) continue;
        if (keys.has(key)) this.duplicate(spec, doc);
        keys.set(key, idKey);
      }
      this.uniqueKeys.set(spec.name, keys);
    }
    this.indexList.push(spec);
    return true;
  }

  /** Drops an index by name; false if there is none. The _id index cannot be dropped. */
  dropIndex(name: string): boolean {
    if (name === '_id_') throw new CommandError('InvalidOptions', 'cannot drop _id index');
    const position = this.indexList.findIndex((index) => index.name === name);
    if (position < 0) return false;
    this.indexList.splice(position, 1);
    this.uniqueKeys.delete(name);
    return true;
  }

  private uniqueKeysOf(doc: Document, idKey: string): Array<[IndexSpec, string]> {
    const keys: Array<[IndexSpec, string]> = [];
    for (const index of this.indexList) {
      const holders = this.uniqueKeys.get(index.name);
      if (!holders) continue;
      const key = indexKeyOf(index, doc);
      if (key === null) continue;
      const holder = holders.get(key);
      if (holder !== undefined && holder !== idKey) this.duplicate(index, doc);
      keys.push([index, key]);
    }
    return keys;
  }

  private forgetKeys(doc: Document): void {
    for (const index of this.indexList) {
      const key = indexKeyOf(index, doc);
      if (key !== null) this.uniqueKeys.get(index.name)?.delete(key);
    }
  }

  private duplicate(index: IndexSpec, doc: Document): never {
    const keyValue: Document = {};
    for (const field of Object.keys(index.key)) keyValue[field] = getPath(doc, field) ?? null;
    const shown = Object.entries(keyValue)
      .map(([field, value]) => `${field}: ${JSON.stringify(value)}`)
      .join(', ');
    throw new CommandError(
      'DuplicateKey',
      `E11000 duplicate key error collection: ${this.db}.${this.name} index: ${index.name} dup key: { ${shown} }`,
      {
        keyPattern: index.key,
        keyValue,
      },
    );
  }
}

const partialFilters = new WeakMap<IndexSpec, (doc: Document) => boolean>();

function partialFilterOf(index: IndexSpec): (doc: Document) => boolean {
  let test = partialFilters.get(index);
  if (!test) partialFilters.set(index, (test = matcher(index.partialFilterExpression as Document)));
  return test;
}

/** mongod refuses an array _id, and $-prefixed field names anywhere inside an _id. */
function checkIdForStorage(id: unknown): void {
  if (Array.isArray(id)) throw new CommandError('InvalidIdField', `The '_id' value cannot be of type array`);
  const visit = (value: unknown): void => {
    if (!isPlainObject(value)) return;
    for (const [key, item] of Object.entries(value)) {
      if (key.startsWith('$'))
        throw new CommandError(
          'DollarPrefixedFieldName',
          `_id fields may not contain '$'-prefixed fields: ${key} is not valid for storage.`,
        );
      visit(item);
    }
  };
  visit(id);
}

/** The key a document has in an index; null when a sparse index skips it. */
function indexKeyOf(index: IndexSpec, doc: Document): string | null {
  // A partial index holds only the documents its filter matches: uniqueness applies to those alone.
  if (index.partialFilterExpression && !partialFilterOf(index)(doc)) return null;
  const values = Object.keys(index.key).map((field) => getPath(doc, field));
  if (index.sparse && values.every((value) => value === undefined)) return null;
  return valueKey(values.map((value) => (value === undefined ? null : value)));
}
