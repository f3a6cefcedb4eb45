import { describe, expect, it } from 'vitest';
import { serverMessage } from '../../contract/protocol.js';
import { isMalformed, parseServerMessage } from '../../client/server-message.js';

// The library checks frames by hand (no zod in a browser bundle); the contract's zod schemas are the
// source of truth. Every frame here must get the same verdict and the same parsed message from both.

const product = {
  id: 'a'.repeat(24),
  nombre: 'iPhone 15',
  precio: 999.99,
  talla: 'L',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const event = {
  type: 'event',
  id: '82AB',
  op: 'update',
  ns: { db: 'shop', coll: 'products' },
  key: { id: product.id },
  at: product.createdAt,
  product,
  changes: { updated: { precio: 1 }, removed: ['x'] },
};
const welcome = {
  type: 'welcome',
  protocol: 1,
  relayId: 'r',
  heartbeatMs: 25_000,
  resume: 'resumed',
  subscription: { ops: ['insert', 'delete'], where: { talla: 'L', precio: 10 } },
};

const frames: Record<string, unknown> = {
  welcome,
  'welcome with an added field': { ...welcome, region: 'eu' },
  'welcome with protocol 2': { ...welcome, protocol: 2 },
  'welcome with heartbeat 0': { ...welcome, heartbeatMs: 0 },
  'welcome with an unknown resume': { ...welcome, resume: 'maybe' },
  'welcome filtering an unknown field': { ...welcome, subscription: { ops: [], where: { color: 'red' } } },
  'welcome with an unknown op': { ...welcome, subscription: { ops: ['upsert'], where: {} } },
  event,
  'event without changes': { ...event, changes: undefined },
  'delete event': { ...event, op: 'delete', product: null, changes: undefined },
  'event with an added field': { ...event, extra: 1, product: { ...product, extra: 2 } },
  'event with an empty id': { ...event, id: '' },
  'event without id': { ...event, id: undefined },
  'event with an unknown op': { ...event, op: 'upsert' },
  'event with a string price': { ...event, product: { ...product, precio: '1' } },
  'event without key': { ...event, key: undefined },
  'event with removed not a list': { ...event, changes: { updated: {}, removed: 'x' } },
  'event with a product list': { ...event, product: [product] },
  reset: { type: 'reset', reason: 'history-lost', message: 'reload' },
  'reset with an unknown reason': { type: 'reset', reason: 'gone', message: 'x' },
  'reset without message': { type: 'reset', reason: 'history-lost' },
  pong: { type: 'pong' },
  'unknown type': { type: 'hello' },
  'no type': { op: 'insert' },
  array: [1],
};

describe('the client library reads relay frames as the contract defines them', () => {
  it.each(Object.entries(frames))('%s: same verdict and message as the contract schema', (_name, frame) => {
    const text = JSON.stringify(frame);
    const byContract = serverMessage.safeParse(JSON.parse(text));
    const byClient = parseServerMessage(text);
    expect(isMalformed(byClient)).toBe(!byContract.success);
    if (byContract.success) expect(byClient).toEqual(byContract.data);
  });

  it('says what is wrong and where', () => {
    expect(parseServerMessage('{not json')).toEqual({ problem: 'not JSON' });
    expect(parseServerMessage(JSON.stringify({ ...event, product: { ...product, precio: '1' } }))).toEqual({
      problem: 'event at product.precio: expected a number',
    });
  });
});
