import { connect as tcpConnect } from 'node:net';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { connect, connectOutcome, relayFixture, signToken, type TestRelay } from './relay-harness.js';

// Who gets a 101: origin allow list, JWT, connection limit. Refusals are HTTP answers before the
// upgrade, so a client sees the status and never an open socket.

const secret = 'edge-upgrade-test-secret';
const fixture = relayFixture();
const clients = fixture.clients;
let edge: TestRelay | undefined;

describe('relay upgrade: authentication', () => {
  it('refuses a connection without a token with 401 and no 101', async () => {
    edge = await fixture.start({ jwtSecret: secret });
    const outcome = await connectOutcome(`${edge.ws}/`);
    expect(outcome).toMatchObject({ kind: 'http', status: 401 });
    expect(edge.relay.hub.clientCount).toBe(0);
  });

  it('refuses a bad signature, an expired token, a not-yet-valid token and a non-HS256 token with 401', async () => {
    edge = await fixture.start({ jwtSecret: secret });
    const tokens = [
      await signToken('another-secret', { expiresAt: '1h' }),
      await signToken(secret, { expiresAt: Math.floor(Date.now() / 1000) - 60 }),
      await signToken(secret, { notBefore: Math.floor(Date.now() / 1000) + 3600 }),
      await signToken(secret, { algorithm: 'HS512', expiresAt: '1h' }),
      'not.a.jwt',
    ];
    for (const token of tokens) {
      expect(await connectOutcome(`${edge.ws}/?access_token=${encodeURIComponent(token)}`)).toMatchObject({ kind: 'http', status: 401 });
      expect(await connectOutcome(`${edge.ws}/`, { headers: { Authorization: `Bearer ${token}` } })).toMatchObject({
        kind: 'http',
        status: 401,
      });
    }
    expect(edge.relay.hub.clientCount).toBe(0);
  });

  it('accepts a valid token from the Authorization header or from access_token', async () => {
    edge = await fixture.start({ jwtSecret: secret });
    const token = await signToken(secret, { expiresAt: '1h' });
    clients.push(await connect(`${edge.ws}/`, '', { options: { headers: { Authorization: `Bearer ${token}` } } }));
    clients.push(await connect(`${edge.ws}/?access_token=${token}&ops=insert,delete`));
    const welcomes = clients.map((client) => client.messages.find((message) => message.type === 'welcome'));
    expect(welcomes.map((welcome) => welcome?.type === 'welcome' && welcome.subscription.ops)).toEqual([['insert'], ['insert', 'delete']]);
  });

  it('refuses a token given twice (header and query) with 401', async () => {
    edge = await fixture.start({ jwtSecret: secret });
    const token = await signToken(secret, { expiresAt: '1h' });
    const outcome = await connectOutcome(`${edge.ws}/?access_token=${token}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(outcome).toMatchObject({ kind: 'http', status: 401 });
  });

  it('closes a connection with 4401 when its token expires', async () => {
    edge = await fixture.start({ jwtSecret: secret });
    const token = await signToken(secret, { expiresAt: Math.floor(Date.now() / 1000) + 2 });
    const client = await connect(`${edge.ws}/?access_token=${token}`);
    clients.push(client);
    expect(await client.closed).toEqual({ code: 4401, reason: 'token expired' });
  });
});

describe('relay upgrade: origins', () => {
  it('refuses another Origin with 403 and accepts an allowed one', async () => {
    edge = await fixture.start({ allowedOrigins: ['https://shop.example', 'http://localhost:3000'] });
    expect(await connectOutcome(`${edge.ws}/`, { origin: 'https://evil.example' })).toMatchObject({ kind: 'http', status: 403 });
    expect(await connectOutcome(`${edge.ws}/`, { origin: 'null' })).toMatchObject({ kind: 'http', status: 403 });
    clients.push(await connect(`${edge.ws}/`, '', { options: { origin: 'https://shop.example' } }));
    clients.push(await connect(`${edge.ws}/`, '', { options: { origin: 'http://LOCALHOST:3000' } }));
    expect(edge.relay.hub.clientCount).toBe(2);
  });

  it('checks the origin before the token: a valid token from another origin gets 403', async () => {
    edge = await fixture.start({ jwtSecret: secret, allowedOrigins: ['https://shop.example'] });
    const token = await signToken(secret, { expiresAt: '1h' });
    expect(await connectOutcome(`${edge.ws}/?access_token=${token}`, { origin: 'https://evil.example' })).toMatchObject({
      kind: 'http',
      status: 403,
    });
    clients.push(await connect(`${edge.ws}/?access_token=${token}`, '', { options: { origin: 'https://shop.example' } }));
  });
});

describe('relay upgrade: connection limit', () => {
  it('answers 503 before the upgrade beyond RELAY_MAX_CONNECTIONS, and admits again once a slot frees', async () => {
    edge = await fixture.start({ maxConnections: 2 });
    const first = await connect(`${edge.ws}/`);
    clients.push(first, await connect(`${edge.ws}/`));
    const refused = await connectOutcome(`${edge.ws}/`);
    expect(refused).toMatchObject({ kind: 'http', status: 503 });
    first.ws.close();
    await first.closed;
    const current = edge;
    await expect.poll(async () => (await connectOutcome(`${current.ws}/`, {}, (ws) => ws.close())).kind).toBe('closed');
  });

  it('never admits more than the limit when many clients with tokens connect at once', async () => {
    edge = await fixture.start({ maxConnections: 5, jwtSecret: secret });
    const token = await signToken(secret, { expiresAt: '1h' });
    let opened = 0;
    const statuses: number[] = [];
    const sockets = Array.from({ length: 20 }, () => {
      const ws = new WebSocket(`${edge!.ws}/?access_token=${token}`);
      ws.on('open', () => (opened += 1));
      ws.on('unexpected-response', (_request, response) => {
        statuses.push(response.statusCode ?? 0);
        response.resume();
      });
      ws.on('error', () => {});
      return ws;
    });
    try {
      await expect.poll(() => opened + statuses.length === 20, { message: 'every attempt answered', timeout: 10_000 }).toBe(true);
      expect(opened).toBe(5);
      expect(statuses).toEqual(Array.from({ length: 15 }, () => 503));
      expect(edge.relay.hub.clientCount).toBe(5);
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });

  it('refuses upgrades on other paths with 404', async () => {
    edge = await fixture.start();
    expect(await connectOutcome(`${edge.ws}/socket`)).toMatchObject({ kind: 'http', status: 404 });
  });
});

describe('relay upgrade: broken peers', () => {
  it('keeps serving when peers reset their connection in the middle of an upgrade', async () => {
    edge = await fixture.start({ jwtSecret: secret });
    const token = await signToken(secret, { expiresAt: '1h' });
    const requests = [`/?access_token=${token}`, '/?access_token=bad', '/', `/?access_token=${token}&ops=bogus`];
    const current = edge;
    await Promise.all(
      Array.from(
        { length: 40 },
        (_, index) =>
          new Promise<void>((resolve) => {
            const socket = tcpConnect(current.port, '127.0.0.1', () => {
              socket.write(
                `GET ${requests[index % requests.length]} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
                  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
              );
              // An RST right behind the request: the relay is still checking the token, or answering.
              socket.resetAndDestroy();
              resolve();
            });
            socket.on('error', () => resolve());
          }),
      ),
    );
    expect((await fetch(`${current.http}/healthz`)).status).toBe(200);
    clients.push(await connect(`${current.ws}/?access_token=${token}`));
    await expect.poll(() => current.relay.hub.clientCount).toBe(1);
  });
});
