import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startService, type ServiceProcess } from '../../chaos/service-process.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';
import { createProduct, openTestDatabase, startApi, startRelay, type RunningApi, type RunningRelay, type TestDatabase } from './system.js';

// The consumer CLI as a user runs it (its own process, `npm run consumer -- --url ...`), tailing the
// relay while the seed's curl body is POSTed to the API.

const DATABASE = testDatabaseName(import.meta.url);

describe('the consumer process', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let relay: RunningRelay;
  let consumer: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await openTestDatabase(mongoUrl(), DATABASE);
    api = await startApi(mongoUrl(), DATABASE);
    relay = await startRelay(mongoUrl(), DATABASE);
  });

  afterAll(async () => {
    await consumer?.stop('SIGKILL');
    await relay?.close();
    await api?.close();
    await database?.close();
  });

  it("prints the created line for the seed's product and exits 0 on Ctrl-C", async () => {
    consumer = startService({ entry: 'consumer/main.ts', args: ['--url', relay.ws] });
    const output = () => consumer?.output.join('\n') ?? '';
    await vi.waitFor(
      () => {
        if (relay.relay.hub.clientCount !== 1) throw new Error(`consumer never connected; it printed:\n${output()}`);
      },
      { timeout: 15_000, interval: 25 },
    );

    await createProduct(api.url, { nombre: 'iPhone 15', precio: 999.99, talla: 'L' });
    await vi.waitFor(
      () => {
        if (!(consumer?.stdout ?? []).some((line) => line.includes('📱 Product created: iPhone 15')))
          throw new Error(`no created line; it printed:\n${output()}`);
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(consumer.stdout.find((line) => line.includes('📱 Product created:'))).toMatch(/📱 Product created: iPhone 15 — 999\.99 \(L\)/);

    const { code } = await consumer.stop('SIGINT');
    expect(code).toBe(0);
  }, 40_000);
});
