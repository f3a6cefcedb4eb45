import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../chaos/free-port.js';
import { connectClient, mongoUrl, testDatabaseName } from '../harness/mongo.js';
import { startConsumer, type ConsumerProcess } from '../consumer/consumer-process.js';

// Issue 5's "done when" for shutdown, with real processes: SIGTERM drains the relay with 1001, it
// exits 0, and a running consumer comes back on its own when a relay is there again, resuming after
// the last product it printed (nothing lost, nothing printed twice).

const database = testDatabaseName(import.meta.url);
const relays: ChildProcess[] = [];
let consumer: ConsumerProcess | undefined;

afterEach(() => {
  consumer?.signal('SIGKILL');
  for (const relay of relays.splice(0)) if (relay.exitCode === null) relay.kill('SIGKILL');
});

function startRelayProcess(port: number): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'warn',
      MONGO_URL: mongoUrl(),
      MONGO_DB: database,
      RELAY_HOST: '127.0.0.1',
      RELAY_PORT: String(port),
      RELAY_DRAIN_MS: '200',
    },
    stdio: 'ignore',
  });
  relays.push(child);
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

async function ready(port: number): Promise<void> {
  const status = () =>
    fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
  await expect.poll(status, { timeout: 20_000 }).toBe(200);
}

async function insert(nombre: string): Promise<void> {
  const mongo = await connectClient();
  try {
    await mongo
      .db(database)
      .collection('products')
      .insertOne({ nombre, precio: 10, talla: 'M', createdAt: new Date(), updatedAt: new Date() });
  } finally {
    await mongo.close();
  }
}

describe('relay shutdown with a running consumer', () => {
  it('drains the consumer with 1001 on SIGTERM, and the consumer resumes on its own once a relay is back', async () => {
    const port = await freePort();
    const first = startRelayProcess(port);
    await ready(port);
    consumer = startConsumer(['--url', `ws://127.0.0.1:${port}`, '--retry-base-ms', '100', '--retry-cap-ms', '500']);
    // The consumer subscribes from "now": wait until the relay holds it before writing.
    await expect.poll(async () => (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).clients, { timeout: 15_000 }).toBe(1);
    await insert('before-shutdown');
    await consumer.waitForLine('stdout', /Product created: before-shutdown/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    await consumer.waitForLine('stderr', /1001/);
    await insert('while-down');

    startRelayProcess(port);
    await ready(port);
    await insert('after-restart');
    await consumer.waitForLine('stdout', /Product created: after-restart/, 30_000);
    const printed = consumer.stdout.filter((line) => line.includes('Product created'));
    expect(printed.map((line) => /Product created: (\S+)/.exec(line)?.[1])).toEqual(['before-shutdown', 'while-down', 'after-restart']);
    // Two relay processes and a consumer start one after another: on a loaded machine that alone can
    // take longer than the default 30 s.
  }, 90_000);
});
