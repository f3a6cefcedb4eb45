import { connect as tcpConnect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../contract/close-codes.js';
import { connect, connectOutcome, relayFixture, type TestRelay } from './relay-harness.js';

// Graceful shutdown: readiness fails first, new upgrades are refused, and connected clients are closed
// with 1001 one after another across the drain window, so their reconnects arrive paced.

const fixture = relayFixture();
const clients = fixture.clients;
let edge: TestRelay | undefined;

describe('relay drain', () => {
  it('closes every client with 1001, spread over the drain window rather than all at once', async () => {
    edge = await fixture.start({ drainMs: 4_000 });
    for (let i = 0; i < 5; i += 1) clients.push(await connect(`${edge.ws}/`));
    const openWhenFirstClosed = new Promise<number>((resolve) => {
      let first = true;
      for (const client of clients) {
        client.ws.once('close', () => {
          if (first) resolve(clients.filter((other) => other !== client && other.ws.readyState === other.ws.OPEN).length);
          first = false;
        });
      }
    });
    const closing = edge.relay.close();
    // Closes are scheduled at 0, 800, 1600, 2400, 3200 ms: when the first lands the others are still open.
    expect(await openWhenFirstClosed).toBeGreaterThanOrEqual(3);
    await closing;
    const codes = await Promise.all(clients.map((client) => client.closed));
    expect(codes).toEqual(Array.from({ length: 5 }, () => ({ code: CloseCode.shutdown, reason: 'relay shutting down' })));
  });

  it('answers /readyz with 503 and new upgrades with 503 while draining', async () => {
    edge = await fixture.start({ drainMs: 1_500 });
    clients.push(await connect(`${edge.ws}/`), await connect(`${edge.ws}/`));
    expect((await fetch(`${edge.http}/readyz`)).status).toBe(200);
    const closing = edge.relay.close();
    const readyz = await fetch(`${edge.http}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({ draining: true });
    expect(await connectOutcome(`${edge.ws}/`)).toMatchObject({ kind: 'http', status: 503 });
    await closing;
  });

  it('terminates a peer that never answers the close frame, so shutdown still ends', async () => {
    edge = await fixture.start({ drainMs: 0 });
    const port = Number(new URL(edge.http).port);
    const raw = tcpConnect(port, '127.0.0.1');
    let received = '';
    raw.setEncoding('utf8');
    raw.on('data', (chunk: string) => (received += chunk));
    raw.on('error', () => {});
    const ended = new Promise<void>((resolve) => raw.on('close', () => resolve()));
    raw.write(
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await expect.poll(() => received.includes('welcome')).toBe(true);
    // The raw peer reads but never answers: only the straggler timeout can end its connection.
    await edge.relay.close();
    await ended;
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
  });

  it('closes the listening port once drained', async () => {
    edge = await fixture.start();
    const url = edge.http;
    await edge.relay.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
