// The `updateDescription` of an update event, computed from the document before and after:
// changed or added fields (dotted paths into sub-documents and array elements), removed fields,
// and arrays that got shorter.
import type { Document } from 'bson';
import { isPlainObject, sameValue } from './documents.js';

/** Change-event updateDescription: {updatedFields, removedFields, truncatedArrays}. */
export interface UpdateDescription extends Document {
  updatedFields: Document;
  removedFields: string[];
  truncatedArrays: Array<{ field: string; newSize: number }>;
}

/** What changed from `before` to `after`. */
export function describeUpdate(before: Document, after: Document): UpdateDescription {
  const description: UpdateDescription = { updatedFields: {}, removedFields: [], truncatedArrays: [] };
  diffObjects(before, after, '', description);
  return description;
}

function diffObjects(before: Document, after: Document, prefix: string, out: UpdateDescription): void {
  for (const key of Object.keys(before)) {
    if (!(key in after)) out.removedFields.push(prefix + key);
  }
  for (const [key, value] of Object.entries(after)) {
    const path = prefix + key;
    if (!(key in before)) out.updatedFields[path] = value;
    else diffValues(before[key], value, path, out);
  }
}

function diffValues(before: unknown, after: unknown, path: string, out: UpdateDescription): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    diffObjects(before, after, `${path}.`, out);
  } else if (Array.isArray(before) && Array.isArray(after)) {
    if (after.length < before.length) out.truncatedArrays.push({ field: path, newSize: after.length });
    after.forEach((item: unknown, index) => {
      if (index >= before.length) out.updatedFields[`${path}.${index}`] = item;
      else if (!sameValue(before[index], item)) out.updatedFields[`${path}.${index}`] = item;
    });
  } else if (!sameValue(before, after)) {
    out.updatedFields[path] = after;
  }
}
