import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProduct } from '../e2e/system.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import { chromiumUnavailable, launchChromium, startLivePageSystem, type LivePageSystem } from './live-page-system.js';

// A storefront on its own origin using the client library against the API and the relay: with the
// API's CORS list naming that origin, Chromium lets the page read the catalogue with its stream
// position and write with a token (a preflighted request); without it, the browser blocks the page.

const unavailable = chromiumUnavailable();
const html = `<!doctype html><meta charset="utf-8"><title>storefront</title><script type="module">
import * as client from '/client.js';
window.storefront = async (apiUrl, relayUrl) => {
  const live = client.createLiveCollection({ apiUrl, relayUrl, retryCapMs: 1000 });
  const errors = [];
  live.on('error', (error) => errors.push(error.message));
  try {
    await Promise.race([live.ready, new Promise((_, reject) => setTimeout(() => reject(new Error('not ready')), 8000))]);
  } catch (error) {
    await live.stop();
    return { ok: false, errors };
  }
  // JSON and Idempotency-Key make this a preflighted request.
  const response = await fetch(apiUrl + '/api/product/', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() }, body: JSON.stringify({ nombre: 'from the storefront', precio: 5, talla: 'S' }) });
  const created = await response.json();
  const location = response.headers.get('Location');
  while (!live.products.has(created.id)) await new Promise((resolve) => setTimeout(resolve, 50));
  const names = [...live.products.values()].map((p) => p.nombre).sort();
  await live.stop();
  return { ok: true, names, location, status: response.status };
};
</script>`;

describe.skipIf(unavailable !== null)(`a page on another origin${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let browser: Browser;
  let storefront: Server;
  let origin = '';
  let tab: Page | undefined;
  let system: LivePageSystem | undefined;

  beforeAll(async () => {
    const bundle = await build({ entryPoints: ['client/index.ts'], bundle: true, format: 'esm', platform: 'browser', write: false });
    const script = bundle.outputFiles[0]?.text ?? '';
    storefront = createServer((request, response) => {
      if (request.url === '/client.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      response.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((resolve) => storefront.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(storefront.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 90_000);
  afterEach(async () => {
    await tab?.close();
    tab = undefined;
    await system?.close();
    system = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    storefront?.closeAllConnections();
    await new Promise((resolve) => storefront?.close(resolve));
  });

  async function visit(): Promise<{ ok: boolean; names?: string[]; location?: string; status?: number; errors?: string[] }> {
    tab = await browser.newPage();
    await tab.goto(`${origin}/`);
    const running = system as LivePageSystem;
    return tab.evaluate(
      ([api, relay]) => (window as unknown as { storefront: (a: string, r: string) => Promise<never> }).storefront(api, relay),
      [running.apiUrl, running.relayUrl] as const,
    );
  }

  it('follows the catalogue and creates a product when the API lists its origin', async () => {
    system = await startLivePageSystem(mongoUrl(), testDatabaseName('browser_cors_listed'), { corsOrigins: [origin] });
    await createProduct(system.apiUrl, { nombre: 'already there', precio: 1, talla: 'M' });
    const result = await visit();
    expect(result).toMatchObject({ ok: true, status: 201, names: ['already there', 'from the storefront'] });
    expect(result.location).toMatch(/^\/api\/product\/[0-9a-f]{24}$/);
  });

  it('is blocked by the browser when the API does not list its origin', async () => {
    system = await startLivePageSystem(mongoUrl(), testDatabaseName('browser_cors_unlisted'), {
      corsOrigins: ['https://elsewhere.example'],
    });
    const result = await visit();
    expect(result.ok).toBe(false);
    expect(result.errors?.[0]).toMatch(/cannot reach the API/);
  });
});
