// Collection options of `create` and `collMod`: the double acts on changeStreamPreAndPostImages
// and views (viewOn, pipeline). Options that would change how a collection behaves (validation, capping, collation,
// time series, TTL, ...) are refused by name rather than stored and ignored.
import type { Document } from 'bson';
import { isPlainObject } from '../documents.js';
import { CommandError } from '../errors.js';
import { checkViewDefinition } from '../views.js';

/** Options that only describe storage, which the double may keep without acting on them. */
const INERT_OPTIONS = new Set(['storageEngine', 'indexOptionDefaults', 'idIndex']);

/** Checks `changeStreamPreAndPostImages` as the IDL parses it: {enabled: <bool>}. */
export function checkPreAndPostImages(value: unknown, command: string): void {
  const field = `${command}.changeStreamPreAndPostImages`;
  if (!isPlainObject(value)) throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type, expected type 'object'`);
  if (value.enabled === undefined)
    throw new CommandError('IDLFailedToParse', `BSON field '${field}.enabled' is missing but a required field`);
  if (typeof value.enabled !== 'boolean')
    throw new CommandError('TypeMismatch', `BSON field '${field}.enabled' is the wrong type, expected type 'bool'`);
  for (const key of Object.keys(value)) {
    if (key !== 'enabled') throw new CommandError('IDLUnknownField', `BSON field '${field}.${key}' is an unknown field.`);
  }
}

/** Refuses the options of a new collection that the double would not honour. */
export function checkCreateOptions(options: Document): void {
  if (options.viewOn !== undefined || options.pipeline !== undefined) {
    checkViewDefinition(options);
    return;
  }
  for (const [key, value] of Object.entries(options)) {
    if (key === 'changeStreamPreAndPostImages') checkPreAndPostImages(value, 'create');
    else if (!INERT_OPTIONS.has(key))
      throw new CommandError('CommandNotSupported', `the collection option '${key}' is not supported by the MongoDB test double`);
  }
}
