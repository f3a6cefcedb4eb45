import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen, type ApiServer } from '../../api/server.js';
import { apiFixture, SEED, type ApiFixture } from '../api/api-fixture.js';
import { startChild, stopAll } from '../harness/child-service.js';
import { makeDevCertificate, type DevCertificate } from '../harness/dev-certificate.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import { httpsRequest, presentedFingerprint } from '../harness/tls-client.js';

// The API serves https itself when given a certificate and key (API_TLS_CERT / API_TLS_KEY), made
// here at test time by deploy/dev-certificate.sh; SIGHUP swaps in a renewed certificate.

let dir: string;
let certificate: DevCertificate;
let api: ApiFixture;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'api-tls-'));
  certificate = await makeDevCertificate(dir);
  api = await apiFixture(import.meta.url);
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => stopAll());

const fingerprintOf = (pem: Buffer) => new X509Certificate(pem).fingerprint256;

describe('the API over https', () => {
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.close(0);
    server = undefined;
  });

  it('creates and reads a product for a client that trusts the certificate', async () => {
    server = await listen(api.app, { host: '127.0.0.1', port: 0, tls: certificate });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const url = `https://localhost:${server.port}`;
    const created = await httpsRequest(`${url}/api/product/`, { ca: certificate.cert, method: 'POST', body: SEED });
    expect(created.status).toBe(201);
    const { id } = JSON.parse(created.body) as { id: string };
    const read = await httpsRequest(`${url}/api/product/${id}`, { ca: certificate.cert });
    expect(JSON.parse(read.body)).toMatchObject({ id, nombre: 'iPhone 15' });
  });

  it('is refused by a client that does not trust the certificate, and does not answer plain http', async () => {
    server = await listen(api.app, { host: '127.0.0.1', port: 0, tls: certificate });
    await expect(httpsRequest(`https://localhost:${server.port}/healthz`, {})).rejects.toThrow(/self[- ]signed/i);
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });
});

describe('the API process with API_TLS_CERT and API_TLS_KEY', () => {
  const env = () => ({
    MONGO_URL: mongoUrl(),
    MONGO_DB: testDatabaseName(import.meta.url),
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    API_TLS_CERT: certificate.certFile,
    API_TLS_KEY: certificate.keyFile,
  });

  it('listens on https, and on SIGHUP presents the renewed certificate; an unreadable one keeps the old', async () => {
    const processDir = await mkdtemp(join(dir, 'renew-'));
    const first = await makeDevCertificate(processDir);
    const child = startChild(['--import', 'tsx', 'api/main.ts'], { ...env(), API_TLS_CERT: first.certFile, API_TLS_KEY: first.keyFile });
    const { url } = JSON.parse(await child.waitForLine(/API listening/)) as { url: string };
    expect(url).toMatch(/^https:/);
    const port = Number(new URL(url).port);
    expect(await presentedFingerprint(port, first.cert)).toBe(fingerprintOf(first.cert));

    // A renewal writes new files in place, then signals the process.
    const renewed = await makeDevCertificate(processDir);
    child.child.kill('SIGHUP');
    await child.waitForLine(/TLS certificate reloaded/);
    expect(await presentedFingerprint(port, renewed.cert)).toBe(fingerprintOf(renewed.cert));

    await writeFile(renewed.keyFile, 'not a key');
    child.child.kill('SIGHUP');
    await child.waitForLine(/TLS certificate not reloaded/);
    expect(await presentedFingerprint(port, renewed.cert)).toBe(fingerprintOf(renewed.cert));
    expect((await httpsRequest(`https://localhost:${port}/healthz`, { ca: renewed.cert })).status).toBe(200);
  }, 60_000);

  it('refuses to start with a certificate but no key, naming both variables', async () => {
    const child = startChild(['--import', 'tsx', 'api/main.ts'], { ...env(), API_TLS_KEY: '' });
    expect(await child.exited).toBe(2);
    expect(child.lines.join('\n')).toMatch(/API_TLS_CERT and API_TLS_KEY must be set together/);
  });

  it('refuses to start, naming the file, when the certificate cannot be read', async () => {
    const child = startChild(['--import', 'tsx', 'api/main.ts'], { ...env(), API_TLS_CERT: join(dir, 'missing.pem') });
    expect(await child.exited).toBe(2);
    expect(child.lines.join('\n')).toMatch(/missing\.pem/);
  });
});
