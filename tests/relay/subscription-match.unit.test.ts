import { describe, expect, it } from 'vitest';
import { matches, subscriptionKey } from '../../relay/delivery/subscription-match.js';
import { productEvent } from './relay-harness.js';

describe('subscription matching', () => {
  const sizeL = { ops: ['insert', 'update', 'replace', 'delete'] as const, where: { talla: 'L' } };
  const subscription = { ops: [...sizeL.ops], where: sizeL.where };

  it('delivers inserts only by operation type and exact field values', () => {
    expect(matches({ ops: ['insert'], where: {} }, productEvent(0, { op: 'update' }))).toBe(false);
    expect(matches(subscription, productEvent(0, { talla: 'L' }))).toBe(true);
    expect(matches(subscription, productEvent(0, { talla: 'M' }))).toBe(false);
    expect(matches({ ops: ['insert'], where: { precio: 3 } }, productEvent(3))).toBe(true);
    expect(matches({ ops: ['insert'], where: { precio: 3 } }, productEvent(4))).toBe(false);
  });

  it('delivers every delete to a subscription asking for deletes, whatever its conditions', () => {
    expect(matches(subscription, productEvent(0, { op: 'delete' }))).toBe(true);
    expect(matches({ ops: ['insert'], where: { talla: 'L' } }, productEvent(0, { op: 'delete' }))).toBe(false);
  });

  it('delivers an update that takes a product out of the filter, so the client can drop it', () => {
    const leaving = productEvent(0, { op: 'update', talla: 'M', changes: { updated: { talla: 'M' }, removed: [] } });
    const unrelated = productEvent(0, { op: 'update', talla: 'M', changes: { updated: { precio: 9 }, removed: [] } });
    expect(matches(subscription, leaving)).toBe(true);
    expect(matches(subscription, unrelated)).toBe(false);
  });

  it('delivers replaces to a filtered subscription, since a replace may change any field', () => {
    expect(matches(subscription, productEvent(0, { op: 'replace', talla: 'M' }))).toBe(true);
    expect(matches({ ops: ['insert'], where: {} }, productEvent(0, { op: 'replace' }))).toBe(false);
  });

  it('gives equal subscriptions the same key whatever their order', () => {
    expect(subscriptionKey({ ops: ['update', 'insert'], where: { talla: 'L', nombre: 'a' } })).toBe(
      subscriptionKey({ ops: ['insert', 'update'], where: { nombre: 'a', talla: 'L' } }),
    );
    expect(subscriptionKey({ ops: ['insert'], where: { precio: 1 } })).not.toBe(
      subscriptionKey({ ops: ['insert'], where: { nombre: '1' } }),
    );
  });
});
