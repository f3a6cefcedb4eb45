import { existsSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApp } from '../../api/app.js';
import { ensureIndexes } from '../../api/indexes.js';
import { listen } from '../../api/server.js';
import { freePort } from '../../chaos/free-port.js';
import type { ServiceProcess } from '../../chaos/service-process.js';
import { startRelayProcess } from '../../chaos/system-processes.js';
import { silentLogger } from '../../common/logger.js';
import { productFromDocument } from '../../contract/product-document.js';
import { openTestDatabase, type TestDatabase } from '../e2e/system.js';

// What the browser tests run: Debian's Chromium driven by playwright-core, the API in this process
// serving the live page, and the relay as a child process so it can be SIGKILLed and restarted on
// the same port. The page is read the way a person reads it: the rows of its table.

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null. */
export function chromiumUnavailable(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (Debian's chromium package; .ci/run installs it)`;
}

/** Launches Chromium headless (no sandbox: CI containers run as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'], timeout: 60_000 });
}

/** The API, a relay process and a database, for one browser test file. */
export interface LivePageSystem {
  database: TestDatabase;
  apiUrl: string;
  relayUrl: string;
  /** The live page's URL for this system (with `?token=` when given). */
  pageUrl(token?: string): string;
  killRelay(): Promise<void>;
  startRelay(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the API (live page on) and the relay over database `name` of `mongoUrl`. */
export async function startLivePageSystem(
  mongoUrl: string,
  name: string,
  options: { jwtSecret?: string; relayEnv?: Record<string, string>; corsOrigins?: string[] } = {},
): Promise<LivePageSystem> {
  const database = await openTestDatabase(mongoUrl, name);
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000, appName: 'api' });
  await client.connect();
  await ensureIndexes(client.db(name));
  const cors = options.corsOrigins ? { origins: options.corsOrigins } : undefined;
  const app = createApp({ db: client.db(name), logger: silentLogger(), livePage: true, jwtSecret: options.jwtSecret, cors });
  const server = await listen(app, { host: '127.0.0.1', port: 0 });
  const port = await freePort();
  const env = { ...options.relayEnv, ...(options.jwtSecret ? { RELAY_JWT_SECRET: options.jwtSecret } : {}) };
  let relay: ServiceProcess | undefined;
  const system: LivePageSystem = {
    database,
    apiUrl: server.url,
    relayUrl: `ws://127.0.0.1:${port}/`,
    pageUrl: (token) =>
      `${server.url}/live/?relay=${encodeURIComponent(system.relayUrl)}${token ? `&token=${encodeURIComponent(token)}` : ''}`,
    async killRelay() {
      await relay?.stop('SIGKILL');
      relay = undefined;
    },
    async startRelay() {
      relay = await startRelayProcess({ mongoUrl, database: name, port, env });
    },
    async close() {
      await relay?.stop('SIGKILL');
      await server.close(1_000);
      await client.close();
      await database.close();
    },
  };
  await system.startRelay();
  return system;
}

/** One row of the page's table, as text. */
export interface PageRow {
  id: string;
  nombre: string;
  precio: string;
  talla: string;
}

/** The table's rows, top to bottom. */
export function pageRows(page: Page): Promise<PageRow[]> {
  return page.$$eval('#products tr', (rows) =>
    rows.map((row) => ({
      id: (row as HTMLElement).dataset.id ?? '',
      nombre: row.querySelector('.nombre')?.textContent ?? '',
      precio: row.querySelector('.precio')?.textContent ?? '',
      talla: row.querySelector('.talla')?.textContent ?? '',
    })),
  );
}

/** MongoDB's products as the page should show them, sorted by id. */
export async function expectedRows(database: TestDatabase): Promise<PageRow[]> {
  const documents = await database.db.collection('products').find({}).toArray();
  return documents
    .map((doc) => productFromDocument(doc))
    .map((product) => ({ id: product.id, nombre: product.nombre, precio: product.precio.toFixed(2), talla: product.talla }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The page's rows sorted by id (duplicates kept, so a row shown twice fails the comparison). */
export async function sortedPageRows(page: Page): Promise<PageRow[]> {
  return (await pageRows(page)).sort((a, b) => a.id.localeCompare(b.id));
}
