// Collation (locale and strength 1-3, caseLevel, caseFirst, numericOrdering) through ICU's
// Intl.Collator, as MongoDB compares strings with ICU: sorting via mingo's own collation support,
// and query matching via collation-aware comparison operators ($eq, $ne, $in, $nin, $gt, $gte,
// $lt, $lte) that replace mingo's for the command (run by mingo's base Query and Aggregator). What this cannot do faithfully is refused:
// other collation options, strengths 4-5, strings compared inside documents or arrays, $expr.
import type { Document } from 'bson';
import { Context } from 'mingo/core';
import * as accumulator from 'mingo/operators/accumulator';
import * as expression from 'mingo/operators/expression';
import * as pipeline from 'mingo/operators/pipeline';
import * as projection from 'mingo/operators/projection';
import * as query from 'mingo/operators/query';
import * as window from 'mingo/operators/window';
import { $eq as mingoEq, $gt, $gte, $in as mingoIn, $lt, $lte } from 'mingo/operators/query/comparison';
import type { CollationSpec } from 'mingo/types';
import { resolve } from 'mingo/util';
import { isPlainObject } from './documents.js';
import { CommandError } from './errors.js';

/** mingo options that apply a collation. */
export interface CollationOptions {
  collation: CollationSpec;
  context: Context;
}

const SUPPORTED_FIELDS = new Set(['locale', 'strength', 'caseLevel', 'caseFirst', 'numericOrdering']);
const SENSITIVITY = { 1: 'base', 2: 'accent', 3: 'variant' } as const;

type Predicate = (doc: unknown) => boolean;
type MingoOptions = Parameters<typeof mingoEq>[2];
type QueryOp = (selector: string, value: unknown, options: MingoOptions) => Predicate;
const BUILT_IN = { $eq: mingoEq, $gt, $gte, $lt, $lte } as const;

/** Parses a command's `collation`; undefined for none or the binary 'simple' locale. */
export function parseCollation(spec: unknown): CollationOptions | undefined {
  if (spec === undefined) return undefined;
  if (!isPlainObject(spec)) throw new CommandError('TypeMismatch', "BSON field 'collation' is the wrong type, expected type 'object'");
  if (typeof spec.locale !== 'string')
    throw new CommandError('IDLFailedToParse', "BSON field 'collation.locale' is missing but a required field");
  if (spec.locale === 'simple') return undefined;
  for (const key of Object.keys(spec)) {
    if (!SUPPORTED_FIELDS.has(key))
      throw new CommandError('CommandNotSupported', `the collation option '${key}' is not supported by the MongoDB test double`);
  }
  const strength: unknown = spec.strength ?? 3;
  if (strength !== 1 && strength !== 2 && strength !== 3)
    throw new CommandError(
      'CommandNotSupported',
      `collation strength ${String(strength)} is not supported by the MongoDB test double (1 to 3 are)`,
    );
  if (Intl.Collator.supportedLocalesOf([spec.locale]).length === 0)
    throw new CommandError('BadValue', `Field 'locale' is invalid with value: ${spec.locale}`);
  let sensitivity: Intl.CollatorOptions['sensitivity'] = SENSITIVITY[strength];
  if (spec.caseLevel === true) sensitivity = strength === 1 ? 'case' : 'variant';
  const caseFirst = spec.caseFirst === 'upper' || spec.caseFirst === 'lower' ? spec.caseFirst : 'false';
  const collator = new Intl.Collator(spec.locale, { sensitivity, caseFirst, numeric: spec.numericOrdering === true, usage: 'sort' });
  // A whole context: mingo's own entry points merge theirs first, so only the base Query and
  // Aggregator (given this context) use the collated operators. mingo types its operator table as a
  // union of every operator's signature; these take the common one.
  const collated = collatedOperators(collator.compare) as unknown as typeof query;
  return {
    collation: spec as CollationSpec,
    context: Context.init({ accumulator, expression, pipeline, projection, window, query: { ...query, ...collated } }),
  };
}

/** Refuses query features a collation would silently not apply to. */
export function checkCollatedFilter(filter: unknown): void {
  if (Array.isArray(filter)) filter.forEach(checkCollatedFilter);
  if (!isPlainObject(filter)) return;
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$expr' || key === '$where')
      throw new CommandError('CommandNotSupported', `${key} with a collation is not supported by the MongoDB test double`);
    checkCollatedFilter(value);
  }
}

/** Stages whose results a collation changes only through query matching and sorting. */
const COLLATED_STAGES = new Set(['$match', '$sort', '$skip', '$limit', '$count']);

/** Refuses a pipeline in which a collation would not apply everywhere it should. */
export function checkCollatedPipeline(pipeline: Document[]): void {
  for (const stage of pipeline) {
    const [name, spec] = Object.entries(stage)[0] ?? ['', undefined];
    if (name === '$group' && isConstantCount(spec)) continue;
    if (!COLLATED_STAGES.has(name))
      throw new CommandError(
        'CommandNotSupported',
        `${name} with a collation is not supported by the MongoDB test double ($match, $sort, $skip, $limit and $count are)`,
      );
    if (name === '$match') checkCollatedFilter(spec);
  }
}

/** countDocuments' {$group: {_id: 1, n: {$sum: 1}}}: no string is compared. */
function isConstantCount(spec: unknown): boolean {
  if (!isPlainObject(spec) || !(spec._id === null || typeof spec._id === 'number')) return false;
  return Object.entries(spec).every(
    ([key, value]) => key === '_id' || (isPlainObject(value) && Object.keys(value).length === 1 && typeof value.$sum === 'number'),
  );
}

function collatedOperators(compare: (a: string, b: string) => number): Record<string, QueryOp> {
  const values = (doc: unknown, selector: string): unknown[] => {
    const found: unknown = resolve(doc as Document, selector, { unwrapArray: true });
    return Array.isArray(found) ? found.flat(Infinity) : [found];
  };
  const ordered =
    (name: keyof typeof BUILT_IN, test: (order: number) => boolean): QueryOp =>
    (selector, value, options) => {
      if (typeof value !== 'string') return refuseNested(value, BUILT_IN[name](selector, value, options) as Predicate);
      return (doc) => values(doc, selector).some((item) => typeof item === 'string' && test(compare(item, value)));
    };
  const $eq = ordered('$eq', (order) => order === 0);
  const $in: QueryOp = (selector, list, options) => {
    if (!Array.isArray(list)) return mingoIn(selector, list as Document[], options) as Predicate;
    const strings = list.filter((item): item is string => typeof item === 'string');
    const others = mingoIn(
      selector,
      list.filter((item) => typeof item !== 'string').map((item: unknown) => refuseNested(item, item)) as Document[],
      options,
    ) as Predicate;
    return (doc) =>
      others(doc) || values(doc, selector).some((item) => typeof item === 'string' && strings.some((text) => compare(item, text) === 0));
  };
  return {
    $eq,
    $ne: (selector, value, options) => {
      const equal = $eq(selector, value, options);
      return (doc) => !equal(doc);
    },
    $in,
    $nin: (selector, list, options) => {
      const within = $in(selector, list, options);
      return (doc) => !within(doc);
    },
    $gt: ordered('$gt', (order) => order > 0),
    $gte: ordered('$gte', (order) => order >= 0),
    $lt: ordered('$lt', (order) => order < 0),
    $lte: ordered('$lte', (order) => order <= 0),
  };
}

/** Strings inside a compared document or array would be compared binary: refused instead. */
function refuseNested<T>(value: unknown, result: T): T {
  const holdsString = (item: unknown): boolean =>
    typeof item === 'string' ||
    (Array.isArray(item) && item.some(holdsString)) ||
    (isPlainObject(item) && Object.values(item).some(holdsString));
  if ((Array.isArray(value) || isPlainObject(value)) && holdsString(value)) {
    throw new CommandError(
      'CommandNotSupported',
      'comparing documents or arrays that hold strings under a collation is not supported by the MongoDB test double',
    );
  }
  return result;
}
