import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { relayConfig } from '../../relay/config.js';
import { createManualSource, type ManualSource } from '../../relay/delivery/manual-source.js';
import { createRelay, type Relay } from '../../relay/relay.js';
import { startChild, stopAll } from '../harness/child-service.js';
import { makeDevCertificate, type DevCertificate } from '../harness/dev-certificate.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import { httpsRequest, presentedFingerprint } from '../harness/tls-client.js';
import { connect, connectOutcome, insertEvent, type TestClient } from '../relay/relay-harness.js';

// The relay serves wss (and its health endpoints over https) itself when given a certificate and key
// (RELAY_TLS_CERT / RELAY_TLS_KEY); the consumer trusts a private CA with --ca.

let dir: string;
let certificate: DevCertificate;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-tls-'));
  certificate = await makeDevCertificate(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let relay: Relay | undefined;
let source: ManualSource;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await stopAll();
  await relay?.close();
  relay = undefined;
});

async function startTlsRelay(): Promise<number> {
  source = createManualSource();
  relay = createRelay({ config: relayConfig({ drainMs: 0 }), source, logger: silentLogger(), tls: certificate });
  return relay.listen(0, '127.0.0.1');
}

describe('the relay over wss', () => {
  it('welcomes a client that trusts the certificate and pushes events to it', async () => {
    const port = await startTlsRelay();
    const client = await connect(`wss://localhost:${port}/`, '', { options: { ca: certificate.cert } });
    clients.push(client);
    source.push(insertEvent(1));
    const event = await client.next((message) => message.type === 'event');
    expect(event).toMatchObject({ id: insertEvent(1).id, op: 'insert' });
    expect((await httpsRequest(`https://localhost:${port}/readyz`, { ca: certificate.cert })).status).toBe(200);
  });

  it('fails the handshake for a client that does not trust the certificate, and does not speak plain ws', async () => {
    const port = await startTlsRelay();
    await expect(connectOutcome(`wss://localhost:${port}/`)).rejects.toThrow(/self[- ]signed/i);
    await expect(connectOutcome(`ws://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('lets the consumer CLI connect with --ca and print the event; without it, it says why it cannot', async () => {
    const port = await startTlsRelay();
    const consumer = startChild(
      ['--import', 'tsx', 'consumer/main.ts', '--url', `wss://localhost:${port}`, '--ca', certificate.certFile],
      {},
    );
    await consumer.waitForLine(/connected to wss:\/\//);
    source.push(insertEvent(2));
    await consumer.waitForLine(/Product created/);

    const untrusting = startChild(['--import', 'tsx', 'consumer/main.ts', '--url', `wss://localhost:${port}`], {});
    await untrusting.waitForLine(/self[- ]signed certificate/i);
  }, 60_000);
});

describe('the relay process with RELAY_TLS_CERT and RELAY_TLS_KEY', () => {
  it('serves wss, and on SIGHUP presents the renewed certificate to new connections', async () => {
    const processDir = await mkdtemp(join(dir, 'renew-'));
    const first = await makeDevCertificate(processDir);
    const child = startChild(['--import', 'tsx', 'relay/main.ts'], {
      MONGO_URL: mongoUrl(),
      MONGO_DB: testDatabaseName(import.meta.url),
      RELAY_HOST: '127.0.0.1',
      RELAY_PORT: '0',
      RELAY_TLS_CERT: first.certFile,
      RELAY_TLS_KEY: first.keyFile,
    });
    const { port, tls } = JSON.parse(await child.waitForLine(/relay listening/)) as { port: number; tls: boolean };
    expect(tls).toBe(true);
    await expect
      .poll(async () => (await httpsRequest(`https://localhost:${port}/readyz`, { ca: first.cert })).status, { timeout: 30_000 })
      .toBe(200);
    const before = await connect(`wss://localhost:${port}/`, '', { options: { ca: first.cert } });
    clients.push(before);

    const renewed = await makeDevCertificate(processDir);
    child.child.kill('SIGHUP');
    await child.waitForLine(/TLS certificate reloaded/);
    expect(await presentedFingerprint(port, renewed.cert)).toBe(new X509Certificate(renewed.cert).fingerprint256);
    clients.push(await connect(`wss://localhost:${port}/`, '', { options: { ca: renewed.cert } }));
    // The connection made before the renewal is still open.
    expect(before.ws.readyState).toBe(before.ws.OPEN);
  }, 60_000);
});
