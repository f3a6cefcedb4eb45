import { describe, expect, it } from 'vitest';
import { describeUpdate } from '../../mongo-double/update-description.js';

describe('updateDescription of an update event', () => {
  it('lists changed and added fields, nested ones as dotted paths', () => {
    expect(describeUpdate({ _id: 1, a: 1, m: { x: 1, y: 2 } }, { _id: 1, a: 2, m: { x: 1, y: 3 }, b: true })).toEqual({
      updatedFields: { a: 2, 'm.y': 3, b: true },
      removedFields: [],
      truncatedArrays: [],
    });
  });

  it('lists removed fields, including nested ones', () => {
    expect(describeUpdate({ _id: 1, a: 1, m: { x: 1, y: 2 } }, { _id: 1, m: { x: 1 } })).toMatchObject({
      removedFields: ['a', 'm.y'],
      updatedFields: {},
    });
  });

  it('reports shortened arrays as truncated, and changed or appended elements by index', () => {
    expect(describeUpdate({ t: [1, 2, 3] }, { t: [1, 9] })).toEqual({
      updatedFields: { 't.1': 9 },
      removedFields: [],
      truncatedArrays: [{ field: 't', newSize: 2 }],
    });
    expect(describeUpdate({ t: [1] }, { t: [1, 2] })).toMatchObject({ updatedFields: { 't.1': 2 }, truncatedArrays: [] });
  });

  it('treats a change of type as a replaced value', () => {
    expect(describeUpdate({ v: 1 }, { v: '1' }).updatedFields).toEqual({ v: '1' });
    expect(describeUpdate({ v: { a: 1 } }, { v: [1] }).updatedFields).toEqual({ v: [1] });
  });
});
