import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listen, type ApiServer } from '../../api/server.js';
import { freePort } from '../../chaos/free-port.js';
import type { EventMessage } from '../../contract/protocol.js';
import { silentLogger } from '../../common/logger.js';
import { relayConfig } from '../../relay/config.js';
import { createManualSource, type ManualSource } from '../../relay/delivery/manual-source.js';
import { createRelay, type Relay } from '../../relay/relay.js';
import { apiFixture, SEED, type ApiFixture } from '../api/api-fixture.js';
import { makeDevCertificate, type DevCertificate } from '../harness/dev-certificate.js';
import { httpsRequest } from '../harness/tls-client.js';
import { connect, insertEvent } from '../relay/relay-harness.js';

// The compose nginx configurations, checked by nginx itself (Debian's nginx, installed by .ci/run):
// `nginx -t` parses them, and the `tls` profile's configuration really terminates TLS in front of
// a running api and relay (compose's host names and ports swapped for loopback ones).

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
// `nginx -v` writes its version to stderr.
const nginxVersion = nginx ? /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(String(execFileSync('sh', ['-c', `${nginx} -v 2>&1`]))) : null;
const atLeast = (major: number, minor: number, patch: number) => {
  if (!nginxVersion) return false;
  const [a, b, c] = nginxVersion.slice(1).map(Number) as [number, number, number];
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
};

let dir: string;
let certificate: DevCertificate;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nginx-'));
  certificate = await makeDevCertificate(join(dir, 'ssl'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Wraps a conf.d file the way the nginx image's nginx.conf includes it, with everything under `dir`. */
async function wrap(confText: string, name: string): Promise<string> {
  await writeFile(join(dir, `${name}.conf`), confText.replaceAll('/etc/nginx/ssl', join(dir, 'ssl')));
  const main = join(dir, `${name}-main.conf`);
  await writeFile(
    main,
    `daemon off;\nmaster_process off;\npid ${dir}/${name}.pid;\nerror_log stderr warn;\nevents {}\nhttp {\n  access_log off;\n` +
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;\n` +
      `  include ${dir}/${name}.conf;\n}\n`,
  );
  return main;
}

describe.skipIf(!nginx)(`compose's nginx configurations under nginx ${nginxVersion?.slice(1).join('.') ?? '(not installed)'}`, () => {
  it('parses the tls profile configuration (nginx -t)', async () => {
    const main = await wrap(await readFile(join(root, 'deploy/nginx-tls.conf'), 'utf8'), 'tls-check');
    const { stderr } = await run(nginx!, ['-t', '-c', main, '-p', dir]);
    expect(stderr).toMatch(/test is successful/);
  });

  // `server ... resolve` in an upstream (re-resolving scaled relays) is in open-source nginx from 1.27.3;
  // compose runs nginx:1.28-alpine, Debian 12 ships 1.22, which cannot parse it.
  it.skipIf(!atLeast(1, 27, 3))('parses the scale profile configuration (nginx -t; needs nginx 1.27.3 or later)', async () => {
    const main = await wrap(await readFile(join(root, 'deploy/nginx-relays.conf'), 'utf8'), 'relays-check');
    const { stderr } = await run(nginx!, ['-t', '-c', main, '-p', dir]);
    expect(stderr).toMatch(/test is successful/);
  });

  describe('terminating TLS in front of a running api and relay', () => {
    let api: ApiFixture;
    let apiServer: ApiServer;
    let relay: Relay;
    let source: ManualSource;
    let proxy: ChildProcess;
    let ports: { api: number; relay: number };
    beforeAll(async () => {
      api = await apiFixture(import.meta.url);
      apiServer = await listen(api.app, { host: '127.0.0.1', port: 0 });
      source = createManualSource();
      relay = createRelay({ config: relayConfig({ drainMs: 0 }), source, logger: silentLogger() });
      const relayPort = await relay.listen(0, '127.0.0.1');
      ports = { api: await freePort(), relay: await freePort() };
      const health = await freePort();
      const conf = (await readFile(join(root, 'deploy/nginx-tls.conf'), 'utf8'))
        .replace('listen 8443 ssl;', `listen 127.0.0.1:${ports.api} ssl;`)
        .replace('listen 9443 ssl;', `listen 127.0.0.1:${ports.relay} ssl;`)
        .replace('listen 8080;', `listen 127.0.0.1:${health};`)
        .replace('http://api:8000', `http://127.0.0.1:${apiServer.port}`)
        .replace('http://relay:8765', `http://127.0.0.1:${relayPort}`);
      proxy = spawn(nginx!, ['-c', await wrap(conf, 'tls-run'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      let errors = '';
      proxy.stderr!.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4_000)));
      await vi.waitFor(
        async () => {
          if (proxy.exitCode !== null) throw new Error(`nginx exited with ${proxy.exitCode}: ${errors}`);
          expect((await httpsRequest(`https://localhost:${ports.api}/healthz`, { ca: certificate.cert })).status).toBe(200);
        },
        { timeout: 15_000, interval: 50 },
      );
    }, 60_000);
    afterAll(async () => {
      if (proxy && proxy.exitCode === null) {
        const exited = new Promise((resolve) => proxy.once('exit', resolve));
        proxy.kill('SIGQUIT');
        await exited;
      }
      await relay?.close();
      await apiServer?.close(0);
      await api?.close();
    });

    it('serves the api over https and keeps /metrics off the outside', async () => {
      const created = await httpsRequest(`https://localhost:${ports.api}/api/product/`, {
        ca: certificate.cert,
        method: 'POST',
        body: SEED,
      });
      expect(created.status).toBe(201);
      expect(JSON.parse(created.body)).toMatchObject({ nombre: 'iPhone 15' });
      expect((await httpsRequest(`https://localhost:${ports.api}/metrics`, { ca: certificate.cert })).status).toBe(404);
    });

    it('upgrades wss to the relay and carries its events', async () => {
      const client = await connect(`wss://localhost:${ports.relay}/`, '', { options: { ca: certificate.cert } });
      try {
        source.push(insertEvent(7));
        const event = await client.next((message): message is EventMessage => message.type === 'event', 10_000);
        expect(event.id).toBe(insertEvent(7).id);
      } finally {
        client.ws.terminate();
      }
      expect((await httpsRequest(`https://localhost:${ports.relay}/metrics`, { ca: certificate.cert })).status).toBe(404);
    });
  });
});
