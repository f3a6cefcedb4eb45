import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild, stopAll } from '../harness/child-service.js';
import { connectClient, mongoUrl, testDatabaseName } from '../harness/mongo.js';

// `npm run build` compiles the three services to dist/, and each one starts from there with plain
// `node` (no tsx, no TypeScript): the image and NODE_ENV=production run exactly this.

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const database = testDatabaseName(import.meta.url);
const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));

beforeAll(async () => {
  // As `npm run build` does: start from an empty dist/, so nothing left from an older layout counts.
  await rm(`${root}dist`, { recursive: true, force: true });
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
}, 180_000);

afterAll(async () => {
  await stopAll();
  const client = await connectClient();
  await client.db(database).dropDatabase();
  await client.close();
});

describe('the compiled build (npm run build)', () => {
  it('holds the three services and what they import, and no tests, tools or TypeScript', async () => {
    const files = (await readdir(`${root}dist`, { recursive: true })).map(String);
    for (const entry of ['api/main.js', 'relay/main.js', 'consumer/main.js']) expect(files).toContain(entry);
    expect(files.filter((file) => /^(tests|bench|chaos|stack|mongo-double)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
    const relay = await readFile(`${root}dist/relay/main.js`, 'utf8');
    expect(relay).not.toMatch(/\btsx\b/);
  });

  it('starts api, relay and consumer with plain node, and a product posted to the api reaches the consumer', async () => {
    const env = { MONGO_URL: mongoUrl(), MONGO_DB: database, NODE_ENV: 'production' };
    const api = startChild(['dist/api/main.js'], { ...env, API_HOST: '127.0.0.1', API_PORT: '0' });
    const apiUrl = JSON.parse(await api.waitForLine(/API listening/)).url as string;
    const relay = startChild(['dist/relay/main.js'], { ...env, RELAY_HOST: '127.0.0.1', RELAY_PORT: '0' });
    const relayPort = JSON.parse(await relay.waitForLine(/relay listening/)).port as number;
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${relayPort}/readyz`)).status, { timeout: 30_000 }).toBe(200);
    const consumer = startChild(['dist/consumer/main.js', '--url', `ws://127.0.0.1:${relayPort}`], {});
    await consumer.waitForLine(/connected to ws:\/\//);

    const response = await fetch(`${apiUrl}/api/product/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nombre: 'Compiled 15', precio: 15, talla: 'M' }),
    });
    expect(response.status).toBe(201);
    await consumer.waitForLine(/Product created: Compiled 15/);
    // The live page is bundled from its sources by the compiled API too.
    const page = await fetch(`${apiUrl}/live/page.js`);
    expect(page.status).toBe(200);
    expect((await page.text()).length).toBeGreaterThan(1000);
  }, 120_000);
});
