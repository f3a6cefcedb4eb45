import { ObjectId, Timestamp, type ChangeStreamDocument } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { serverMessage, type WelcomeMessage } from '../../contract/protocol.js';
import { isMalformed, parseServerMessage } from '../../client/server-message.js';
import { eventFromChange } from '../../relay/mongo/event-from-change.js';

const welcome: WelcomeMessage = {
  type: 'welcome',
  protocol: 1,
  relayId: 'r1',
  heartbeatMs: 25_000,
  resume: 'none',
  subscription: { ops: ['insert'], where: { talla: 'L' } },
};

function updateChange(): ChangeStreamDocument {
  const _id = new ObjectId();
  const at = new Date('2026-01-02T03:04:05.000Z');
  return {
    _id: { _data: '8200000001000000012B0229296E04' },
    operationType: 'update',
    clusterTime: new Timestamp({ t: 1_767_323_045, i: 1 }),
    wallTime: at,
    ns: { db: 'shop', coll: 'products' },
    documentKey: { _id },
    fullDocument: { _id, nombre: 'iPhone 15', precio: 899.99, talla: 'L', createdAt: at, updatedAt: at },
    updateDescription: { updatedFields: { precio: 899.99, updatedAt: at }, removedFields: [] },
  } as unknown as ChangeStreamDocument;
}

describe('protocol messages', () => {
  it('an event the relay builds from a MongoDB change is one the contract accepts', () => {
    const timed = eventFromChange(updateChange());
    const wire = JSON.parse(JSON.stringify(timed?.event));
    expect(serverMessage.parse(wire)).toEqual(wire);
    expect(parseServerMessage(JSON.stringify(wire))).toEqual(wire);
  });

  it('the consumer accepts every kind of server message and keeps working when a later relay adds fields', () => {
    expect(parseServerMessage(JSON.stringify(welcome))).toEqual(welcome);
    expect(parseServerMessage(JSON.stringify({ ...welcome, region: 'eu' }))).toEqual(welcome);
    expect(parseServerMessage('{"type":"pong"}')).toEqual({ type: 'pong' });
    const reset = { type: 'reset', reason: 'history-lost', message: 'reload' };
    expect(parseServerMessage(JSON.stringify(reset))).toEqual(reset);
  });

  it.each([
    ['{not json', 'not JSON'],
    ['[1]', 'no message type'],
    ['{"type":"hello"}', 'unknown message type "hello"'],
    ['{"type":"event","op":"insert"}', 'event at id:'],
    [JSON.stringify({ ...welcome, heartbeatMs: 0 }), 'welcome at heartbeatMs:'],
    [JSON.stringify({ type: 'reset', reason: 'gone', message: 'x' }), 'reset at reason:'],
  ])('the consumer refuses %s and says why', (frame, problem) => {
    const parsed = parseServerMessage(frame);
    expect(isMalformed(parsed) && parsed.problem).toContain(problem);
  });
});
