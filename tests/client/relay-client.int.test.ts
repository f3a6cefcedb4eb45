import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createRelayClient, type RelayClient, type RelayClientOptions, type ResetNotice } from '../../client/index.js';
import { CloseCode } from '../../contract/close-codes.js';
import type { EventMessage } from '../../contract/protocol.js';
import { productEvent, startScriptedRelay, type ScriptedRelay } from '../consumer/scripted-relay.js';
import { BrowserLikeWebSocket } from './browser-like-socket.js';

// The library's connection life against a scripted relay that produces each close code, refusal,
// silence and reset on demand, and answers `?since=` from its own log as the relay does.

let relay: ScriptedRelay | undefined;
const clients: RelayClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
  await relay?.close();
  relay = undefined;
});

const product = (nombre: string) => ({ nombre, precio: 10, talla: 'M' });

function client(options: Partial<RelayClientOptions> & { url: string }): { client: RelayClient; events: EventMessage[] } {
  const created = createRelayClient({ WebSocket, retryBaseMs: 20, retryCapMs: 200, ...options });
  const events: EventMessage[] = [];
  created.on('event', (event) => events.push(event));
  clients.push(created);
  return { client: created, events };
}

const names = (events: EventMessage[]) => events.map((event) => event.product?.nombre);

describe('relay client resume', () => {
  it('delivers what it missed while disconnected exactly once, in order, resuming after the last event delivered', async () => {
    relay = await startScriptedRelay();
    const { client: c, events } = client({ url: relay.url });
    void c.start();
    const first = await relay.connection(0);
    const before = productEvent('insert', product('before'));
    relay.publish(before);
    await expect.poll(() => events.length).toBe(1);
    relay.append(productEvent('insert', product('lost in flight 1')));
    relay.append(productEvent('insert', product('lost in flight 2')));
    first.socket.terminate();
    const second = await relay.connection(1);
    expect(second.url.searchParams.get('since')).toBe(before.id);
    relay.publish(productEvent('insert', product('live again')));
    await expect.poll(() => events.length).toBe(4);
    expect(names(events)).toEqual(['before', 'lost in flight 1', 'lost in flight 2', 'live again']);
    expect(c.position).toBe(events[3]?.id);
  });

  it('starts after the position it is given and reports its state on the way', async () => {
    relay = await startScriptedRelay();
    const old = productEvent('insert', product('old'));
    relay.append(old);
    relay.append(productEvent('insert', product('new')));
    const { client: c, events } = client({ url: relay.url, since: old.id });
    const states: string[] = [];
    c.on('state', (state) => states.push(state));
    void c.start();
    await expect.poll(() => names(events)).toEqual(['new']);
    expect(states).toEqual(['resuming', 'live']);
  });
});

describe('relay client backoff follows the close-code table', () => {
  it.each([CloseCode.shutdown, CloseCode.internal, CloseCode.slowClient, CloseCode.rateLimited, 1006])(
    'reconnects after close code %i',
    async (code) => {
      relay = await startScriptedRelay();
      const { client: c } = client({ url: relay.url });
      const retries: string[] = [];
      c.on('retry', ({ message }) => retries.push(message));
      void c.start();
      const first = await relay.connection(0);
      if (code === 1006) first.socket.terminate();
      else first.close(code, 'later');
      await relay.connection(1);
      expect(retries).toHaveLength(1);
    },
  );

  it.each([CloseCode.badRequest, CloseCode.unauthorized, CloseCode.policy])(
    'stops for good after close code %i, never dialling again',
    async (code) => {
      relay = await startScriptedRelay();
      const { client: c } = client({ url: relay.url, token: 'fixed' });
      const ended = c.start();
      (await relay.connection(0)).close(code, 'no');
      const end = await ended;
      expect(end.kind).toBe('refused');
      expect(end.kind === 'refused' && end.message).toContain(`${code}`);
      expect(relay.requests).toHaveLength(1);
      expect(c.state).toBe('stopped');
    },
  );

  it('stops when the upgrade is refused with 403, and keeps trying through a 503', async () => {
    relay = await startScriptedRelay({ refuse: { status: 403, body: 'origin not allowed' } });
    const end = await client({ url: relay.url }).client.start();
    expect(end).toEqual({
      kind: 'refused',
      message: 'relay refused the connection (forbidden): HTTP 403: origin not allowed; not retrying',
      code: 1006,
      httpStatus: 403,
    });
    await relay.close();
    relay = await startScriptedRelay({ refuse: { status: 503, body: 'busy' } });
    void client({ url: relay.url }).client.start();
    await expect.poll(() => relay?.requests.length).toBeGreaterThanOrEqual(3);
  });

  it('spreads reconnect delays with full jitter under the exponential ceiling', async () => {
    relay = await startScriptedRelay();
    const delays: number[] = [];
    const { client: c } = client({ url: relay.url, retryBaseMs: 100, retryCapMs: 400, random: () => 0.999 });
    c.on('retry', ({ delayMs }) => delays.push(delayMs));
    void c.start();
    for (let i = 0; i < 4; i++) (await relay.connection(i)).close(CloseCode.rateLimited, 'busy');
    await relay.connection(4);
    // Ceilings 100, 200, 400, 400 (capped); a welcome alone does not reset the count.
    expect(delays).toEqual([99, 199, 399, 399]);
  });
});

describe('relay client tokens', () => {
  it('asks the provider for a token before every connection and retries once with a fresh one after 4401', async () => {
    relay = await startScriptedRelay();
    let issued = 0;
    const { client: c } = client({ url: relay.url, token: async () => `token-${++issued}` });
    void c.start();
    (await relay.connection(0)).close(CloseCode.unauthorized, 'token expired');
    const second = await relay.connection(1);
    expect(relay.requests.map((request) => request.url.searchParams.get('access_token'))).toEqual(['token-1', 'token-2']);
    second.close(CloseCode.shutdown, 'restart');
    await relay.connection(2);
    expect(relay.requests[2]?.url.searchParams.get('access_token')).toBe('token-3');
  });

  it('gives up when a fresh token is refused too', async () => {
    relay = await startScriptedRelay({ refuse: { status: 401, body: 'bad token signature' } });
    const { client: c } = client({ url: relay.url, token: () => 'forged', tokenIn: 'header' });
    const end = await c.start();
    expect(end).toEqual({
      kind: 'refused',
      message: 'relay rejected the access token: HTTP 401: bad token signature; not retrying',
      code: 1006,
      httpStatus: 401,
    });
    expect(relay.requests.map((request) => request.headers.authorization)).toEqual(['Bearer forged', 'Bearer forged']);
  });
});

describe('relay client silence and reset', () => {
  it('treats a relay that goes silent as dead and reconnects, with ws protocol pings', async () => {
    relay = await startScriptedRelay({ autoPong: false, welcome: { heartbeatMs: 150 } });
    const { client: c } = client({ url: relay.url });
    const retries: string[] = [];
    c.on('retry', ({ message }) => retries.push(message));
    void c.start();
    await relay.connection(1);
    expect(retries[0]).toBe('no message or ping from the relay for 300 ms: connection considered dead');
  });

  it('probes a quiet relay with application pings when the WebSocket is a browser one, and drops it when none is answered', async () => {
    relay = await startScriptedRelay({ welcome: { heartbeatMs: 150 } });
    const { client: c } = client({ url: relay.url, WebSocket: BrowserLikeWebSocket });
    void c.start();
    const connection = await relay.connection(0);
    const pings: string[] = [];
    connection.socket.on('message', (data) => pings.push(String(data)));
    await relay.connection(1);
    expect(pings).toContain('{"type":"ping"}');
  });

  it('stays on a quiet browser connection whose relay answers its application pings', async () => {
    relay = await startScriptedRelay({ welcome: { heartbeatMs: 100 } });
    const { client: c } = client({ url: relay.url, WebSocket: BrowserLikeWebSocket });
    void c.start();
    const connection = await relay.connection(0);
    let pings = 0;
    connection.socket.on('message', (data) => {
      if (String(data) === '{"type":"ping"}' && ++pings) connection.send({ type: 'pong' });
    });
    await expect.poll(() => pings, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    expect(relay.connections).toHaveLength(1);
  });

  it('surfaces a reset with its reason and resyncs from the position it is given', async () => {
    relay = await startScriptedRelay();
    const snapshotEnd = productEvent('insert', product('in the snapshot'));
    relay.append(snapshotEnd);
    relay.append(productEvent('insert', product('after the snapshot')));
    const { client: c, events } = client({ url: relay.url, since: 'DEADBEEF' });
    const resets: ResetNotice[] = [];
    c.on('reset', (reset) => resets.push(reset));
    void c.start();
    await expect.poll(() => resets.length).toBe(1);
    expect(resets[0]).toMatchObject({ type: 'reset', reason: 'unknown-position' });
    resets[0]?.resync(snapshotEnd.id);
    const second = await relay.connection(1);
    expect(second.url.searchParams.get('since')).toBe(snapshotEnd.id);
    await expect.poll(() => names(events)).toEqual(['after the snapshot']);
  });
});

describe('relay client styles', () => {
  it('yields events and resets through for-await, and stops when the signal aborts', async () => {
    relay = await startScriptedRelay();
    const abort = new AbortController();
    const { client: c } = client({ url: relay.url, since: 'DEADBEEF', signal: abort.signal });
    const seen: string[] = [];
    const loop = (async () => {
      for await (const message of c) {
        seen.push(message.type === 'event' ? `event ${message.product?.nombre}` : `reset ${message.reason}`);
        if (seen.length === 2) abort.abort();
      }
    })();
    await relay.connection(0);
    relay.publish(productEvent('insert', product('one')));
    await loop;
    expect(seen).toEqual(['reset unknown-position', 'event one']);
    expect(c.state).toBe('stopped');
  });

  it('ends the iteration with the reason when the relay refuses for good', async () => {
    relay = await startScriptedRelay();
    const { client: c } = client({ url: relay.url });
    const loop = (async () => {
      for await (const _message of c) void _message;
    })();
    (await relay.connection(0)).close(CloseCode.badRequest, 'unknown parameter where.color');
    await expect(loop).rejects.toThrow('relay closed the connection with 4400 (badRequest): unknown parameter where.color; not retrying');
  });
});
