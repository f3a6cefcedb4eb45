import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../chaos/free-port.js';
import { startService, waitUntilServing, type ServiceProcess } from '../../chaos/service-process.js';
import { API_AUDIENCE, mintToken, RELAY_AUDIENCE } from '../../common/tokens.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';

// No log line at any level holds a token or an Authorization header: not at LOG_LEVEL=trace, not for
// a malformed request whose raw bytes carry one, not for a token refused or accepted.

const SECRET = 'no-secrets-in-logs-secret-of-32-bytes!';
const database = testDatabaseName(import.meta.url);
const services: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(services.map((service) => service.stop('SIGTERM')));
});

/** Sends raw bytes and resolves when the server has answered and closed. */
function sendRaw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('secrets in logs', () => {
  it('the relay and the API log no token at LOG_LEVEL=trace, whatever requests carry them', async () => {
    const [relayPort, apiPort] = [await freePort(), await freePort()];
    const env = { MONGO_URL: mongoUrl(), MONGO_DB: database, LOG_LEVEL: 'trace', RELAY_JWT_SECRET: SECRET, API_JWT_SECRET: SECRET };
    const relay = startService({ entry: 'relay/main.ts', env: { ...env, RELAY_HOST: '127.0.0.1', RELAY_PORT: String(relayPort) } });
    const api = startService({ entry: 'api/main.ts', env: { ...env, API_HOST: '127.0.0.1', API_PORT: String(apiPort) } });
    services.push(relay, api);
    await waitUntilServing(relay, `http://127.0.0.1:${relayPort}/readyz`, 25_000);
    await waitUntilServing(api, `http://127.0.0.1:${apiPort}/readyz`, 25_000);

    const relayToken = await mintToken({ secret: SECRET, audience: RELAY_AUDIENCE, ttlSeconds: 600, subject: 'log-test' });
    const apiToken = await mintToken({ secret: SECRET, audience: API_AUDIENCE, ttlSeconds: 600, subject: 'log-test' });
    // A malformed request (an invalid header line) carrying both kinds of credential.
    const malformed = `GET /?access_token=${relayToken} HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer ${relayToken}\r\nBad Header Line\r\n\r\n`;
    expect(await sendRaw(relayPort, malformed)).toMatch(/^HTTP\/1\.1 400/);
    // A refused upgrade (the API's token is not for the relay) and a refused write (and the other way round).
    const upgrade = (token: string) =>
      sendRaw(
        relayPort,
        `GET /?access_token=${token} HTTP/1.1\r\nHost: relay\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
    expect(await upgrade(apiToken)).toMatch(/^HTTP\/1\.1 401/);
    const write = await fetch(`http://127.0.0.1:${apiPort}/api/product/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${relayToken}` },
      body: JSON.stringify({ nombre: 'logged', precio: 1, talla: 'S' }),
    });
    expect(write.status).toBe(401);
    expect(
      await sendRaw(apiPort, `POST /api/product/ HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer ${apiToken}\r\nBad Header Line\r\n\r\n`),
    ).toMatch(/^HTTP\/1\.1 400/);

    // Wait for the relay's line about the malformed request, so the check below sees it.
    await expect.poll(() => relay.output.some((line) => line.includes('malformed HTTP request')), { timeout: 10_000 }).toBe(true);
    await Promise.all([relay.stop('SIGTERM'), api.stop('SIGTERM')]);
    const everything = [...relay.output, ...api.output].join('\n');
    const signatures = [relayToken, apiToken].map((token) => token.split('.')[2]!);
    for (const signature of signatures) expect(everything).not.toContain(signature);
    expect(everything).not.toMatch(/Bearer eyJ/);
    // Node hands a malformed request's raw bytes (headers included) to the error; they are not logged, in any encoding.
    expect(everything).not.toContain('rawPacket');
  }, 60_000);
});
