import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTS_COLLECTION } from '../../api/product-repository.js';
import { silentLogger } from '../../common/logger.js';
import { createCatchUpOpener } from '../../relay/mongo/catch-up-opener.js';
import { createChangeFeed } from '../../relay/mongo/change-feed.js';
import { relayConfig } from '../../relay/config.js';
import { createRelay, type Relay } from '../../relay/relay.js';
import { openTestDatabase, startApi, type RunningApi, type TestDatabase } from '../e2e/system.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import { killConsumers, startConsumer, waitFor } from './consumer-process.js';

// The consumer at the end of the whole pipeline: the seed's POST goes to the API, MongoDB's change
// stream carries it to the relay, and the consumer process prints the line users know.

let database: TestDatabase;
let api: RunningApi;
let relay: Relay;
let relayUrl: string;
let directory: string | undefined;

beforeAll(async () => {
  const name = testDatabaseName(import.meta.url);
  database = await openTestDatabase(mongoUrl(), name);
  api = await startApi(mongoUrl(), name);
  const collection = database.db.collection(PRODUCTS_COLLECTION);
  const logger = silentLogger();
  relay = createRelay({
    config: relayConfig({ host: '127.0.0.1', port: 0, drainMs: 0 }),
    source: createChangeFeed({ collection, logger, maxAwaitTimeMS: 200, initialBackoffMs: 50, maxBackoffMs: 500 }),
    catchUp: createCatchUpOpener({ collection, maxAwaitTimeMS: 200 }),
    logger,
  });
  relayUrl = `ws://127.0.0.1:${await relay.listen(0, '127.0.0.1')}`;
  await waitFor(() => relay.hub.ready || undefined, 'the relay change stream to open');
});

afterAll(async () => {
  await relay?.close();
  await api?.close();
  await database?.close();
});

afterEach(async () => {
  killConsumers();
  if (directory) await rm(directory, { recursive: true, force: true });
  directory = undefined;
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('consumer at the end of the pipeline', () => {
  it("prints the seed's product created through the API, then its update and delete", async () => {
    const consumer = startConsumer(['--url', relayUrl, '--ops', 'insert,update,delete']);
    await consumer.waitForLine('stderr', 'connected to');

    const created = await call('POST', '/api/product/', { nombre: 'iPhone 15', precio: 999.99, talla: 'L' });
    expect(created.status).toBe(201);
    expect(await consumer.waitForLine('stdout', 'Product created')).toBe('📱 Product created: iPhone 15 — 999.99 (L)');

    const id = String(created.json.id);
    expect((await call('PATCH', `/api/product/${id}`, { precio: 949 })).status).toBe(200);
    expect(await consumer.waitForLine('stdout', 'Product updated')).toBe('✏️ Product updated: iPhone 15 — 949.00 (L) · changed precio');
    expect((await call('DELETE', `/api/product/${id}`)).status).toBe(204);
    expect(await consumer.waitForLine('stdout', 'Product deleted')).toBe(`🗑️ Product deleted: ${id}`);
  });

  it('picks up after a restart with --state-file, printing the product created while it was stopped', async () => {
    directory = await mkdtemp(join(tmpdir(), 'consumer-pipeline-'));
    const stateFile = join(directory, 'position');
    const first = startConsumer(['--url', relayUrl, '--state-file', stateFile]);
    await first.waitForLine('stderr', 'connected to');
    await call('POST', '/api/product/', { nombre: 'before stop', precio: 1, talla: 'S' });
    await first.waitForLine('stdout', 'before stop');
    first.signal('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    await call('POST', '/api/product/', { nombre: 'while stopped', precio: 2, talla: 'S' });
    const second = startConsumer(['--url', relayUrl, '--state-file', stateFile]);
    await second.waitForLine('stdout', 'while stopped');
    await call('POST', '/api/product/', { nombre: 'after restart', precio: 3, talla: 'S' });
    await second.waitForLine('stdout', 'after restart');
    expect(second.stdout.filter(Boolean)).toEqual([
      '📱 Product created: while stopped — 2.00 (S)',
      '📱 Product created: after restart — 3.00 (S)',
    ]);
  });
});
