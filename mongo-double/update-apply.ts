// Applying an update to one document: operator updates and pipeline updates through mingo, whole-
// document replacements here. Returns a new document; the stored one is never mutated.
import { ObjectId, type Document } from 'bson';
import { aggregate, update as mingoUpdate } from 'mingo';
import { CommandError, evaluate } from './errors.js';
import type { EvalOptions } from './eval-options.js';
import { deepClone, idFirst, isPlainObject, sameValue, setPath } from './documents.js';

/** The update forms mongod accepts: operators ({$set: ...}), a replacement document, or a pipeline. */
export type UpdateSpec = Document | Document[];

/** Whether `spec` is a replacement (no operators) rather than an operator or pipeline update. */
export function isReplacement(spec: UpdateSpec): boolean {
  if (Array.isArray(spec)) return false;
  const keys = Object.keys(spec);
  return keys.length === 0 || !keys[0]!.startsWith('$');
}

/**
 * The document after `spec` is applied to `doc`. `inserting` is true for the insert of an upsert;
 * `query` (the filter that selected `doc`) resolves the positional `$` operator.
 */
export function applyUpdate(
  doc: Document,
  spec: UpdateSpec,
  options: { arrayFilters?: Document[]; inserting?: boolean; query?: Document; eval?: EvalOptions } = {},
): Document {
  let result: Document;
  if (Array.isArray(spec)) {
    if (options.eval?.collation)
      throw new CommandError('CommandNotSupported', 'a pipeline update with a collation is not supported by the MongoDB test double');
    result = evaluate(() => (aggregate([deepClone(doc)], spec, { variables: options.eval?.variables }) as Document[])[0] ?? {});
    // A pipeline that drops _id keeps the document's own, as on mongod (an upsert's new one is made later).
    if (!('_id' in result) && '_id' in doc) result = { _id: doc._id, ...result };
  } else if (isReplacement(spec)) {
    for (const key of Object.keys(spec)) {
      if (key.startsWith('$'))
        throw new CommandError('BadValue', `The dollar ($) prefixed field '${key}' in a replacement document is not valid for storage.`);
    }
    result = { ...spec, _id: spec._id ?? doc._id };
  } else {
    const operators: Document = {};
    for (const [operator, fields] of Object.entries(spec)) {
      if (!operator.startsWith('$'))
        throw new CommandError(
          'FailedToParse',
          `Unknown modifier: ${operator}. Expected a valid update modifier or pipeline-style update specified as an array`,
        );
      if (!isPlainObject(fields))
        throw new CommandError('FailedToParse', `Modifiers operate on fields but we found type ${typeof fields} instead`);
      // mingo has no $setOnInsert: it is a $set that only applies when an upsert inserts.
      if (operator === '$setOnInsert') {
        if (options.inserting) operators.$set = { ...(operators.$set as Document | undefined), ...fields };
      } else {
        operators[operator] = operator === '$set' ? { ...(operators.$set as Document | undefined), ...fields } : fields;
      }
    }
    result = deepClone(doc);
    // mingo re-tests the query (binary) before updating; under a collation the document already matched,
    // and the positional $ operator, which needs the query, is refused rather than resolved binary.
    const query = options.eval?.collation ? undefined : options.query;
    if (
      options.eval?.collation &&
      Object.values(operators).some((fields: Document) => Object.keys(fields).some((path) => /\.\$(\.|$)/.test(path)))
    )
      throw new CommandError(
        'CommandNotSupported',
        'the positional $ update operator with a collation is not supported by the MongoDB test double',
      );
    if (Object.keys(operators).length > 0)
      evaluate(() => mingoUpdate(result, operators, options.arrayFilters, query, { cloneMode: 'deep' }));
  }
  if ('_id' in doc && !sameValue(doc._id, result._id)) {
    throw new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
  }
  return idFirst(result);
}

/** The document an upsert starts from: the equality conditions of its query. */
export function upsertSeed(query: Document): Document {
  const seed: Document = {};
  collectEqualities(query, seed);
  return seed;
}

function collectEqualities(query: Document, seed: Document): void {
  for (const [key, value] of Object.entries(query)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const part of value) if (isPlainObject(part)) collectEqualities(part, seed);
    } else if (key.startsWith('$')) {
      continue;
    } else if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      if ('$eq' in value) setPath(seed, key, deepClone(value.$eq));
    } else {
      setPath(seed, key, deepClone(value));
    }
  }
}

/** The upserted document: seed, update applied as an insert, and an _id if none was given. */
export function buildUpsert(query: Document, spec: UpdateSpec, arrayFilters?: Document[], evalOptions?: EvalOptions): Document {
  const seed = upsertSeed(query);
  const doc =
    isReplacement(spec) && !Array.isArray(spec)
      ? { ...(seed._id !== undefined ? { _id: seed._id } : {}), ...spec }
      : applyUpdate(seed, spec, { arrayFilters, inserting: true, eval: evalOptions });
  if (doc._id === undefined) return { _id: new ObjectId(), ...doc };
  return idFirst(doc);
}
