// The `updateDescription` of an update event, computed from the document before and after:
// changed or added fields (dotted paths into sub-documents and array elements), removed fields,
// and arrays that got shorter. Alongside, the `disambiguatedPaths` MongoDB 6.1+ adds for expanded
// events: each path with a field name that is all digits or holds a dot, as its components (array
// indexes as numbers, field names as strings).
import type { Document } from 'bson';
import { isPlainObject, sameValue } from './documents.js';

/** Change-event updateDescription: {updatedFields, removedFields, truncatedArrays}. */
export interface UpdateDescription extends Document {
  updatedFields: Document;
  removedFields: string[];
  truncatedArrays: Array<{ field: string; newSize: number }>;
}

type Component = string | number;
interface Diff {
  description: UpdateDescription;
  /** Ambiguous paths and their components; empty when none is ambiguous. */
  disambiguatedPaths: Record<string, Component[]>;
}

/** What changed from `before` to `after`. */
export function describeUpdate(before: Document, after: Document): UpdateDescription {
  return diffUpdate(before, after).description;
}

/** What changed, with the disambiguated paths of the ambiguous ones. */
export function diffUpdate(before: Document, after: Document): Diff {
  const diff: Diff = { description: { updatedFields: {}, removedFields: [], truncatedArrays: [] }, disambiguatedPaths: {} };
  diffObjects(before, after, [], diff);
  return diff;
}

const pathOf = (components: Component[]): string => components.join('.');

function note(components: Component[], diff: Diff): string {
  const path = pathOf(components);
  const ambiguous = components.some((part) => typeof part === 'string' && (/^\d+$/.test(part) || part.includes('.')));
  if (ambiguous) diff.disambiguatedPaths[path] = components;
  return path;
}

function diffObjects(before: Document, after: Document, prefix: Component[], diff: Diff): void {
  for (const key of Object.keys(before)) {
    if (!(key in after)) diff.description.removedFields.push(note([...prefix, key], diff));
  }
  for (const [key, value] of Object.entries(after)) {
    if (!(key in before)) diff.description.updatedFields[note([...prefix, key], diff)] = value;
    else diffValues(before[key], value, [...prefix, key], diff);
  }
}

function diffValues(before: unknown, after: unknown, path: Component[], diff: Diff): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    diffObjects(before, after, path, diff);
  } else if (Array.isArray(before) && Array.isArray(after)) {
    if (after.length < before.length) diff.description.truncatedArrays.push({ field: note(path, diff), newSize: after.length });
    after.forEach((item: unknown, index) => {
      const old: unknown = before[index];
      // A changed sub-document inside an array is described field by field ('a.0.b'), as a $set of
      // 'a.0.b' or 'a.$.b' is on mongod; anything else as the whole element.
      if (index < before.length && isPlainObject(old) && isPlainObject(item)) diffObjects(old, item, [...path, index], diff);
      else if (index >= before.length || !sameValue(old, item)) diff.description.updatedFields[note([...path, index], diff)] = item;
    });
  } else if (!sameValue(before, after)) {
    diff.description.updatedFields[note(path, diff)] = after;
  }
}
