import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectClient, mongoUrl, testDatabaseName } from '../harness/mongo.js';
import type { EventMessage } from '../../contract/protocol.js';
import { connect, type TestClient } from './relay-harness.js';

// relay/main.ts as a process: it starts against the run's MongoDB, serves a change, and on SIGTERM
// fails readiness, closes every client with 1001 and exits 0. A bad environment value stops it at once.

const database = testDatabaseName(import.meta.url);
const children: ChildProcess[] = [];
const clients: TestClient[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

interface RelayProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function spawnRelay(env: Record<string, string>): RelayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', RELAY_HOST: '127.0.0.1', RELAY_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for the relay's 'relay listening' log line and returns its port. */
function announcedPort(stdout: () => string): Promise<number> {
  return vi.waitFor(
    () => {
      const port = listeningPort(stdout());
      if (port === undefined) throw new Error('the relay has not said it listens yet');
      return port;
    },
    { timeout: 20_000, interval: 25 },
  );
}

function listeningPort(output: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line) as { msg?: string; port?: number };
    if (record.msg === 'relay listening') return record.port;
  }
  return undefined;
}

describe('relay process (relay/main.ts)', () => {
  it('serves changes, then on SIGTERM answers /readyz 503, closes clients with 1001 and exits 0', async () => {
    const relay = spawnRelay({ MONGO_URL: mongoUrl(), MONGO_DB: database, RELAY_DRAIN_MS: '1500' });
    const port = await announcedPort(relay.stdout);
    const http = `http://127.0.0.1:${port}`;
    await expect.poll(async () => (await fetch(`${http}/readyz`)).status, { timeout: 20_000 }).toBe(200);

    for (let i = 0; i < 3; i += 1) clients.push(await connect(`ws://127.0.0.1:${port}/`));
    const mongo = await connectClient();
    try {
      await mongo
        .db(database)
        .collection('products')
        .insertOne({ nombre: 'iPhone 15', precio: 999.99, talla: 'L', createdAt: new Date(), updatedAt: new Date() });
    } finally {
      await mongo.close();
    }
    const event = await clients[0]!.next((message): message is EventMessage => message.type === 'event', 15_000);
    expect(event.product).toMatchObject({ nombre: 'iPhone 15', precio: 999.99, talla: 'L' });

    relay.child.kill('SIGTERM');
    await expect.poll(async () => (await fetch(`${http}/readyz`)).status, { timeout: 5_000 }).toBe(503);
    const closes = await Promise.all(clients.map((client) => client.closed));
    expect(closes.map((close) => close.code)).toEqual([1001, 1001, 1001]);
    expect(await relay.exited).toBe(0);
  });

  it('listens and answers /healthz while MongoDB is unreachable (readyz 503), and still exits 0 on SIGTERM', async () => {
    const relay = spawnRelay({
      MONGO_URL: 'mongodb://127.0.0.1:9/?replicaSet=rs0&serverSelectionTimeoutMS=1000',
      MONGO_DB: database,
      RELAY_DRAIN_MS: '0',
    });
    const port = await announcedPort(relay.stdout);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });

  it('exits non-zero naming the variable when the environment has a bad value', async () => {
    const relay = spawnRelay({ RELAY_PORT: 'eighty' });
    expect(await relay.exited).toBe(2);
    expect(relay.stderr()).toMatch(/RELAY_PORT/);
  });
});
