import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SignJWT } from 'jose';
import { API_AUDIENCE, RELAY_AUDIENCE } from '../../common/tokens.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { faultGate } from '../../chaos/fault-plan.js';
import { writeProducts } from '../../chaos/product-writer.js';
import { createProduct } from '../e2e/system.js';
import { controllableMongoUnavailable, startControllableMongo } from '../harness/controllable-mongo.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import {
  chromiumUnavailable,
  expectedRows,
  launchChromium,
  pageRows,
  sortedPageRows,
  startLivePageSystem,
  type LivePageSystem,
} from './live-page-system.js';

// The live page in real Chromium (Debian's package, driven by playwright-core), as a person sees it
// while the system runs: the table, its marks, the status, the form. The relay is a child process
// here so it can be SIGKILLed mid-burst; the page must end with exactly MongoDB's products.

// The documentation's picture of the page is refreshed only when asked (UPDATE_SCREENSHOTS=1): a test
// run must not leave the checkout changed. Otherwise the screenshot still gets taken, into a temp dir.
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/images/live-page.png' : join(tmpdir(), `live-page-${process.pid}.png`);
const unavailable = chromiumUnavailable();
const SECRET = 'live-page-browser-test-secret-of-32+chars';

describe.skipIf(unavailable !== null)(`live page in Chromium${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let browser: Browser;
  let page: Page | undefined;
  let system: LivePageSystem | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 90_000);
  afterEach(async () => {
    await page?.close();
    page = undefined;
    await system?.close();
    system = undefined;
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(url: string): Promise<Page> {
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForSelector('#status[data-status="live"]', { timeout: 20_000 }).catch((error: Error) => {
      throw new Error(`${error.message}\npage errors: ${errors.join('\n')}`);
    });
    return page;
  }

  it('shows the products that exist, then one POSTed from elsewhere appears, marked new', async () => {
    system = await startLivePageSystem(mongoUrl(), testDatabaseName('browser_live_existing'));
    for (const nombre of ['Camiseta', 'Pantalón', 'Zapatillas']) await createProduct(system.apiUrl, { nombre, precio: 20, talla: 'M' });
    const live = await open(system.pageUrl());
    expect((await pageRows(live)).map((row) => row.nombre)).toEqual(['Zapatillas', 'Pantalón', 'Camiseta']);

    const created = await createProduct(system.apiUrl, { nombre: 'iPhone 15', precio: 999.99, talla: 'L' });
    const row = live.locator(`#products tr[data-id="${created.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('class')).toContain('new');
    expect((await pageRows(live))[0]).toEqual({ id: created.id, nombre: 'iPhone 15', precio: '999.99', talla: 'L' });
    expect(await live.textContent('#log')).toContain('insert iPhone 15 — 999.99 (L)');
  });

  it('ends with exactly the products MongoDB has after the relay is SIGKILLed and restarted under a burst of writes', async () => {
    system = await startLivePageSystem(mongoUrl(), testDatabaseName('browser_live_relay_kill'));
    const running = system;
    const live = await open(running.pageUrl());
    const { gate, settled } = faultGate(
      [
        { kind: 'relay-kill', atProduct: 40 },
        { kind: 'relay-kill', atProduct: 90 },
      ],
      async () => {
        await running.killRelay();
        await running.startRelay();
      },
    );
    const written = await writeProducts({ apiUrl: running.apiUrl, count: 120, concurrency: 4, runId: 'browser', beforeWrite: gate });
    await settled();
    expect(written.failures).toEqual([]);
    // Some changes and deletes too, after the burst.
    for (const product of written.products.slice(0, 10)) {
      const method = Number.parseInt(product.id.slice(-1), 16) % 2 === 0 ? 'DELETE' : 'PATCH';
      const response = await fetch(`${running.apiUrl}/api/product/${product.id}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'PATCH' ? '{"precio": 1.25}' : undefined,
      });
      expect(response.ok).toBe(true);
    }
    const expected = await expectedRows(running.database);
    await expect.poll(() => sortedPageRows(live), { timeout: 30_000 }).toEqual(expected);
    expect(await live.getAttribute('#status', 'data-status')).toBe('live');
    expect(await live.textContent('#count')).toBe(String(expected.length));
  }, 120_000);

  it('creates a product from its form with auth on, and the new row shows it', async () => {
    system = await startLivePageSystem(mongoUrl(), testDatabaseName('browser_live_form'), { jwtSecret: SECRET });
    // The page sends one token to both services, so it must be meant for both (common/tokens.ts).
    const token = await new SignJWT({ sub: 'live-page' })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience([RELAY_AUDIENCE, API_AUDIENCE])
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    await createProduct(system.apiUrl, { nombre: 'Gorra', precio: 15, talla: 'U' }, { authorization: `Bearer ${token}` });
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    // Without a token the relay refuses the page (the browser sees only a failed connection).
    await page.goto(system.pageUrl());
    await page.waitForSelector('#status[data-status="connecting"]', { timeout: 20_000 });
    await page.fill('#auth input[name="token"]', token);
    await page.click('#auth button');
    await page.waitForSelector('#status[data-status="live"]', { timeout: 20_000 });
    expect((await pageRows(page)).map((row) => row.nombre)).toEqual(['Gorra']);

    await page.fill('#create input[name="nombre"]', 'Chaqueta <b>vaquera</b>');
    await page.fill('#create input[name="precio"]', '59.9');
    await page.fill('#create input[name="talla"]', 'XL');
    await page.click('#create button');
    await page.waitForSelector('#form-result[data-ok="true"]', { timeout: 10_000 });
    await expect
      .poll(async () => (await pageRows(page as Page)).map((row) => row.nombre), { timeout: 10_000 })
      .toEqual(['Chaqueta <b>vaquera</b>', 'Gorra']);
    expect((await expectedRows(system.database)).map((row) => row.nombre).sort()).toEqual(['Chaqueta <b>vaquera</b>', 'Gorra']);
    // Product text is shown as text, never parsed as markup.
    expect(await page.locator('#products b').count()).toBe(0);

    // The screenshot the docs show: rows marked new and changed, the status, the log.
    const first = (await pageRows(page))[1]?.id;
    await fetch(`${system.apiUrl}/api/product/${first}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"precio": 12.5}',
    });
    await page.locator(`#products tr.changed[data-id="${first}"]`).waitFor({ timeout: 10_000 });
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });

  const noControl = controllableMongoUnavailable();
  it.skipIf(noControl !== null)(
    `resyncs to the right state after a reset (history lost)${noControl ? ` (skipped: ${noControl})` : ''}`,
    async ({ skip }) => {
      const mongo = await startControllableMongo();
      try {
        if (!mongo?.capabilities.forgetHistory) return skip(`${mongo?.backend} cannot forget oplog history on demand`);
        system = await startLivePageSystem(mongo.url, testDatabaseName('browser_live_reset'), { relayEnv: { RELAY_HISTORY_EVENTS: '5' } });
        const before = await writeProducts({ apiUrl: system.apiUrl, count: 4, concurrency: 1, runId: 'before' });
        const live = await open(system.pageUrl());
        await expect.poll(async () => (await pageRows(live)).length).toBe(4);

        await system.killRelay();
        await writeProducts({ apiUrl: system.apiUrl, count: 6, concurrency: 2, runId: 'missed' });
        await fetch(`${system.apiUrl}/api/product/${before.products[0]?.id}`, { method: 'DELETE' });
        await mongo.forgetHistory();
        await system.startRelay();

        await expect.poll(() => live.textContent('#log'), { timeout: 20_000 }).toContain('reset (history-lost)');
        const expected = await expectedRows(system.database);
        expect(expected).toHaveLength(9);
        await expect.poll(() => sortedPageRows(live), { timeout: 20_000 }).toEqual(expected);
        expect(await live.textContent('#log')).toContain('snapshot loaded: 9 products (after reset: history-lost)');
        await live.waitForSelector('#status[data-status="live"]', { timeout: 10_000 });
      } finally {
        await system?.close();
        system = undefined;
        await mongo?.stop();
      }
    },
    90_000,
  );
});
