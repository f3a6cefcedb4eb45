import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, mongoUrl, testDatabaseName } from '../harness/mongo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const hasCurl = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].some((path) => existsSync(path));
const database = testDatabaseName(import.meta.url);

interface ApiProcess {
  child: ChildProcess;
  url: string;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `api/main.ts` as `npm run api` does, on a free loopback port, and waits until it listens. */
async function startApi(env: Record<string, string> = {}): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      MONGO_URL: mongoUrl(),
      MONGO_DB: database,
      API_PORT: '0',
      API_HOST: '127.0.0.1',
      LOG_PRETTY: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        if (typeof line.url === 'string') resolve(line.url);
      }
    });
    void exited.then((code) => reject(new Error(`api exited with ${code} before listening: ${errors}`)));
  });
  return { child, url, lines, stderr: () => errors, exited };
}

describe('the API process (npm run api)', () => {
  let api: ApiProcess;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    if (api && api.child.exitCode === null) {
      api.child.kill('SIGKILL');
      await api.exited;
    }
    const client = await connectClient();
    await client.db(database).dropDatabase();
    await client.close();
  });

  it.skipIf(!hasCurl)("creates the seed's product from its curl command, verbatim but for the port", async () => {
    const { stdout } = await run('curl', [
      '-X',
      'POST',
      `${api.url}/api/product/`,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"nombre": "iPhone 15", "precio": 999.99, "talla": "L"}',
    ]);
    expect(JSON.parse(stdout)).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      nombre: 'iPhone 15',
      precio: 999.99,
      talla: 'L',
    });
  });

  it.skipIf(!hasCurl)('answers a 3 MB upload with a 413 that curl can read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'api-413-'));
    try {
      await writeFile(join(dir, 'big.json'), `{"nombre":"${'x'.repeat(3 * 1024 * 1024)}"}`);
      const { stdout } = await run('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-X',
        'POST',
        `${api.url}/api/product/`,
        '-H',
        'Content-Type: application/json',
        '--data-binary',
        `@${join(dir, 'big.json')}`,
      ]);
      expect(stdout).toBe('413');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('created its indexes at start and logs one line per request', async () => {
    const client = await connectClient();
    try {
      const names = (await client.db(database).collection('idempotency_keys').indexes()).map((index) => index.name);
      expect(names).toContain('createdAt_1');
    } finally {
      await client.close();
    }
    // /healthz is logged at debug only; a request a person makes is logged at info.
    await fetch(`${api.url}/api/product/ffffffffffffffffffffffff`, { headers: { 'x-request-id': 'process-test-1' } });
    await expect
      .poll(() => api.lines.find((line) => line.requestId === 'process-test-1'), { timeout: 5_000 })
      .toMatchObject({
        method: 'GET',
        path: '/api/product/ffffffffffffffffffffffff',
        status: 404,
        ms: expect.any(Number),
      });
  });

  it('exits 0 on SIGTERM after closing its connections', async () => {
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(api.lines.map((line) => line.msg)).toContain('stopped');
    await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
  });
});

describe("the API process's metrics", () => {
  it('closes /metrics on the port clients use and serves it on API_METRICS_PORT; a token opens it there too', async () => {
    const api = await startApi({ API_METRICS_PORT: '0', API_METRICS_TOKEN: 'metrics-token-of-16+chars' });
    try {
      const metricsLine = () => api.lines.find((line) => String(line.msg).startsWith('metrics listening'));
      await expect.poll(metricsLine, { timeout: 5_000 }).toBeDefined();
      const operators = String(metricsLine()?.metricsUrl).replace(/\/metrics$/, '');
      expect(operators).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      await fetch(`${api.url}/api/product/ffffffffffffffffffffffff`);
      const scraped = await fetch(`${operators}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/api_http_requests_total\{method="GET",route="\/api\/product\/:id",status="404"\} 1/);
      expect((await fetch(`${operators}/healthz`)).status).toBe(200);

      const anonymous = await fetch(`${api.url}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect((await fetch(`${api.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-of-16+chars' } })).status).toBe(200);

      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
      await expect(fetch(`${operators}/metrics`)).rejects.toThrow();
    } finally {
      if (api.child.exitCode === null) api.child.kill('SIGKILL');
    }
  });

  it('answers 404 for /metrics on its port when neither a metrics port nor a token is set', async () => {
    const api = await startApi();
    try {
      const response = await fetch(`${api.url}/metrics`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.text()).toMatch(/API_METRICS_PORT/);
    } finally {
      api.child.kill('SIGKILL');
      await api.exited;
    }
  });
});

describe('API configuration errors', () => {
  it('stops at start with exit code 2 and a message naming the bad variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, API_PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/API_PORT/);
  });
});
