import { afterEach, describe, expect, it } from 'vitest';
import { parseConnectRequest } from '../../relay/edge/connect-request.js';
import type { EventMessage } from '../../contract/protocol.js';
import { connect, connectOutcome, insertEvent, startRelay, type TestRelay } from './relay-harness.js';

// The subscription a client asks for in its URL, and the clear refusal of anything else.

const parse = (query: string) => parseConnectRequest(new URLSearchParams(query));

describe('connection URL parsing', () => {
  it('subscribes to inserts only, with no conditions, by default', () => {
    expect(parse('')).toEqual({ ok: true, request: { subscription: { ops: ['insert'], where: {} } } });
  });

  it('reads ops in any order into protocol order, and exact-match conditions on product fields', () => {
    expect(parse('ops=delete,insert&where.talla=L&where.precio=999.99&where.nombre=iPhone%2015&where.id=65A1B2C3D4E5F60718293A4B')).toEqual(
      {
        ok: true,
        request: {
          subscription: {
            ops: ['insert', 'delete'],
            where: { talla: 'L', precio: 999.99, nombre: 'iPhone 15', id: '65a1b2c3d4e5f60718293a4b' },
          },
        },
      },
    );
  });

  it('accepts an event id or a time:<t>.<i> stream position as since', () => {
    expect(parse('since=8265A1B2C3000000012B022C0100296E5A1004')).toMatchObject({
      ok: true,
      request: { since: { afterId: '8265A1B2C3000000012B022C0100296E5A1004' } },
    });
    expect(parse('since=time:1700000000.3')).toMatchObject({ ok: true, request: { since: { afterTime: { t: 1700000000, i: 3 } } } });
  });

  it.each([
    ['unknown parameter', 'foo=1', /unknown parameter "foo"/],
    ['unknown field', 'where.color=red', /unknown parameter "where.color"/],
    ['duplicate parameter', 'ops=insert&ops=update', /duplicate parameter ops/],
    ['duplicate condition', 'where.talla=L&where.talla=M', /duplicate parameter where.talla/],
    ['unknown op', 'ops=insert,upsert', /unknown op "upsert"/],
    ['empty ops', 'ops=', /unknown op/],
    ['repeated op', 'ops=insert,insert', /duplicate op insert/],
    ['non-numeric precio', 'where.precio=cheap', /bad value for where.precio/],
    ['precio with 3 decimals', 'where.precio=1.234', /bad value for where.precio/],
    ['negative precio', 'where.precio=-1', /bad value for where.precio/],
    ['exponent precio', 'where.precio=1e3', /bad value for where.precio/],
    ['empty talla', 'where.talla=', /bad value for where.talla/],
    ['padded talla', 'where.talla=%20L', /bad value for where.talla/],
    ['talla too long', `where.talla=${'X'.repeat(17)}`, /bad value for where.talla/],
    ['id not an ObjectId', 'where.id=123', /bad value for where.id/],
    ['since not a token', 'since=yesterday', /since must be/],
    ['since empty', 'since=', /since must be/],
    ['since with a bad time', 'since=time:1.x', /since must be/],
  ])('refuses %s with a reason', (_name, query, reason) => {
    const result = parse(query);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
      expect(Buffer.byteLength(result.reason)).toBeLessThanOrEqual(123);
    }
  });

  it('keeps the reason within a close frame for absurd parameter names', () => {
    const result = parse(`${'é'.repeat(500)}=1`);
    expect(result.ok || Buffer.byteLength(result.reason) <= 123).toBe(true);
  });
});

describe('relay refuses a bad connection URL after the upgrade', () => {
  let edge: TestRelay | undefined;
  afterEach(async () => {
    await edge?.close();
    edge = undefined;
  });

  it('closes with 4400 and a readable reason, before any welcome', async () => {
    edge = await startRelay();
    const outcome = await connectOutcome(`${edge.ws}/?ops=insert,upsert`);
    expect(outcome).toMatchObject({ kind: 'closed', code: 4400, reason: expect.stringMatching(/unknown op "upsert"/), messages: [] });
  });

  it('welcomes a valid subscription and delivers only the events it asked for', async () => {
    edge = await startRelay();
    const client = await connect(`${edge.ws}/?ops=insert&where.talla=S`);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', subscription: { ops: ['insert'], where: { talla: 'S' } } });
    const medium = insertEvent(1);
    const small = { ...insertEvent(2), product: { ...insertEvent(2).product!, talla: 'S' } };
    edge.source.push([medium, small]);
    const received = await client.next((message): message is EventMessage => message.type === 'event');
    expect(received.id).toBe(small.id);
    client.ws.close();
  });
});
