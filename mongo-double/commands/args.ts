// Reading command fields with mongod's errors for missing or mistyped ones, so a command of the
// wrong shape gets a clear error reply instead of an exception deep inside a handler.
import type { Document } from 'bson';
import { CommandError } from '../errors.js';
import { isPlainObject } from '../documents.js';

const typeName = (value: unknown): string => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);

/** A required string field (collection names, keys). */
export function stringField(command: Document, field: string): string {
  const value: unknown = command[field];
  if (value === undefined) throw new CommandError('IDLFailedToParse', `BSON field '${field}' is missing but a required field`);
  if (typeof value !== 'string')
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${typeName(value)}', expected type 'string'`);
  return value;
}

/** The collection a command names in its first field. */
export function collectionName(command: Document): string {
  const name = Object.keys(command)[0]!;
  const value = stringField(command, name);
  if (value.length === 0) throw new CommandError('InvalidNamespace', 'Collection names cannot be empty');
  return value;
}

/** An optional sub-document field; `fallback` when absent. */
export function docField(command: Document, field: string, fallback: Document = {}): Document {
  const value: unknown = command[field];
  if (value === undefined || value === null) return fallback;
  if (!isPlainObject(value))
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${typeName(value)}', expected type 'object'`);
  return value;
}

/** A required array of documents (documents, updates, deletes, pipeline, indexes). */
export function docArray(command: Document, field: string, required = true): Document[] {
  const value: unknown = command[field];
  if (value === undefined && !required) return [];
  if (value === undefined) throw new CommandError('IDLFailedToParse', `BSON field '${field}' is missing but a required field`);
  if (!Array.isArray(value))
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${typeName(value)}', expected type 'array'`);
  for (const item of value) {
    if (!isPlainObject(item)) throw new CommandError('TypeMismatch', `BSON field '${field}' must contain only documents`);
  }
  return value as Document[];
}

/** An optional non-negative integer field (limit, skip, batchSize). */
export function countField(command: Document, field: string): number | undefined {
  const value: unknown = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new CommandError('TypeMismatch', `BSON field '${field}' must be a number`);
  return Math.trunc(value);
}

/** An optional boolean field (missing means `fallback`). */
export function boolField(command: Document, field: string, fallback: boolean): boolean {
  const value: unknown = command[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean' && typeof value !== 'number')
    throw new CommandError('TypeMismatch', `BSON field '${field}' must be a boolean`);
  return Boolean(value);
}
