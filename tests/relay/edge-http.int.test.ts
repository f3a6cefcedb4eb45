import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from './relay-harness.js';

// The relay's plain HTTP face: health, readiness, the help text, and the seed's curl upgrade check.

let edge: TestRelay | undefined;
let base = '';

async function start(): Promise<void> {
  edge = await startRelay();
  base = edge.http;
}

afterEach(async () => {
  await edge?.close();
  edge = undefined;
});

/** Sends raw bytes and returns everything the server wrote before it stopped or the first line came. */
function rawExchange(port: number, request: string, untilText = '\r\n\r\n'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes(untilText)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.write(request);
  });
}

describe('relay HTTP endpoints', () => {
  it('answers /healthz with 200', async () => {
    await start();
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 while the stream is tailing and 503 while it is not', async () => {
    await start();
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', draining: false });
    edge!.source.setReady(false);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: 'not ready', stream: 'not tailing' });
  });

  it('explains on GET / that it is a WebSocket endpoint and how to connect', async () => {
    await start();
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/WebSocket endpoint/);
    expect(text).toMatch(/ws:\/\/127\.0\.0\.1:\d+\/\?ops=/);
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    await start();
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it("upgrades the seed's curl check with 101 Switching Protocols", async () => {
    await start();
    const port = Number(new URL(base).port);
    const answer = await rawExchange(
      port,
      'GET / HTTP/1.1\r\nHost: localhost:8765\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nConnection: Upgrade\r\n' +
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      '"welcome"',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(answer).toContain('"type":"welcome"');
  });

  it('answers a request that is not HTTP with 400 and keeps serving', async () => {
    await start();
    const port = Number(new URL(base).port);
    const answer = await rawExchange(port, 'HELLO\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
