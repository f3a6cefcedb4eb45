// Small helpers over BSON documents held as JS objects (numbers promoted, BSON classes kept).
import { EJSON, type Document } from 'bson';

/** True for plain JS objects (sub-documents), false for arrays, dates and BSON value classes. */
export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A deep copy of sub-documents and arrays; BSON values (ObjectId, Binary, ...) are immutable and shared. */
export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => deepClone(item)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainObject(value)) {
    const copy: Document = {};
    for (const [key, item] of Object.entries(value)) copy[key] = deepClone(item);
    return copy as T;
  }
  return value;
}

/** A string that is equal for equal BSON values (type-aware): index keys and _id lookups. */
export function valueKey(value: unknown): string {
  return EJSON.stringify({ v: value }, { relaxed: false });
}

/** Whether two BSON values are equal (same type and content). */
export function sameValue(a: unknown, b: unknown): boolean {
  return valueKey(a) === valueKey(b);
}

/** The value at a dotted path; undefined when any step is missing. */
export function getPath(doc: Document, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isPlainObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

/** Sets a dotted path, creating sub-documents on the way (used to seed upserts). */
export function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let current: Document = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(current[part])) current[part] = {};
    current = current[part] as Document;
  }
  current[parts[parts.length - 1]!] = value;
}

/** The same document with `_id` first, as mongod stores and returns it. */
export function idFirst(doc: Document): Document {
  if (!('_id' in doc) || Object.keys(doc)[0] === '_id') return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}
