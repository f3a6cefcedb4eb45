import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { listen, type ApiServer } from '../../api/server.js';
import { silentLogger } from '../../common/logger.js';
import { failingStores } from './stub-stores.js';

// A slow client (slowloris: headers or body trickled, or never finished) is cut within the
// configured bounds, and no client can hold more than the connection cap. Until these existed,
// slow headers were held 71 s, slow bodies 311 s, and 2,000 slow uploads held 2,000 sockets.

const limits = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 500, maxConnections: 3 };
let server: ApiServer | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close(0);
  server = undefined;
});

async function start(): Promise<ApiServer> {
  const app = createApp({ logger: silentLogger(), ...failingStores(new Error('not used')), ready: async () => true });
  server = await listen(app, { host: '127.0.0.1', port: 0, limits });
  return server;
}

/** A raw connection; resolves with what the server sent once it closes the connection. */
async function rawClient(port: number, send: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  if (send) socket.write(send);
  return { socket, closed };
}

describe('API server limits', () => {
  it('cuts a client that never finishes its headers with 408', async () => {
    const { port } = await start();
    const { closed } = await rawClient(port, 'GET /healthz HTTP/1.1\r\nHost: api\r\nX-Slow: ');
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts a client that never finishes its body with 408', async () => {
    const { port } = await start();
    const { closed } = await rawClient(
      port,
      'POST /api/product/ HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"nombre":',
    );
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes connections beyond the cap at once, and serves again when one leaves', async () => {
    const { port, url } = await start();
    const held = await Promise.all(
      Array.from({ length: limits.maxConnections }, () => rawClient(port, 'GET /healthz HTTP/1.1\r\nHost: api\r\n')),
    );
    const extra = await rawClient(port, '');
    expect(await extra.closed).toBe('');
    held[0]!.socket.destroy();
    await held[0]!.closed;
    await expect.poll(async () => (await fetch(`${url}/healthz`).catch(() => null))?.status, { timeout: 10_000 }).toBe(200);
  });
});
