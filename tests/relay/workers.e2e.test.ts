import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MongoClient } from 'mongodb';
import { connectClient, mongoUrl, testDatabaseName } from '../harness/mongo.js';
import type { EventMessage, ServerMessage, WelcomeMessage } from '../../contract/protocol.js';
import { connect, type TestClient } from './relay-harness.js';

/** What `probe` returns once it returns something (vi.waitFor retries until then, up to `timeoutMs`). */
function waitFor<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  return vi.waitFor(
    () => {
      const value = probe();
      if (value === undefined || value === false) throw new Error(`still waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 20 },
  );
}

// RELAY_WORKERS: relay/main.ts as a node:cluster primary with worker processes behind one port. Clients
// land on different workers, a client resumes on another worker than the one it left, the primary's
// admin port answers for the whole, a dead worker is replaced, and SIGTERM drains every worker.

const database = testDatabaseName(import.meta.url);
const children: ChildProcess[] = [];
const clients: TestClient[] = [];
let mongo: MongoClient;

beforeAll(async () => {
  mongo = await connectClient();
});
afterAll(async () => {
  await mongo.close();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Cluster {
  child: ChildProcess;
  port: number;
  admin: string;
  exited: Promise<number | null>;
}

/** Starts relay/main.ts with `workers` workers and waits until the admin port says every one is ready. */
async function startCluster(workers: number, env: Record<string, string> = {}): Promise<Cluster> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts'], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      RELAY_HOST: '127.0.0.1',
      RELAY_PORT: '0',
      RELAY_ADMIN_PORT: '0',
      RELAY_WORKERS: String(workers),
      MONGO_URL: mongoUrl(),
      MONGO_DB: database,
      RELAY_DRAIN_MS: '500',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const field = (msg: string, name: string) => {
    for (const line of stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const record = JSON.parse(line) as Record<string, unknown>;
      if (record.msg === msg && typeof record[name] === 'number') return record[name] as number;
    }
    return undefined;
  };
  const adminPort = await waitFor(() => field('relay cluster admin listening', 'adminPort'), 30_000, 'the admin port');
  const port = await waitFor(() => field('relay listening', 'port'), 30_000, 'a worker to listen');
  const admin = `http://127.0.0.1:${adminPort}`;
  await expect.poll(async () => (await fetch(`${admin}/readyz`)).status, { timeout: 30_000, interval: 100 }).toBe(200);
  return { child, port, admin, exited };
}

async function open(port: number, query = ''): Promise<TestClient> {
  const client = await connect(`ws://127.0.0.1:${port}/`, query);
  clients.push(client);
  return client;
}

const welcomeOf = (client: TestClient) => client.messages.find((message): message is WelcomeMessage => message.type === 'welcome')!;
const eventsOf = (client: TestClient) => client.messages.filter((message): message is EventMessage => message.type === 'event');
const isEvent = (message: ServerMessage): message is EventMessage => message.type === 'event';

async function insert(names: string[]): Promise<void> {
  const now = new Date();
  await mongo
    .db(database)
    .collection('products')
    .insertMany(
      names.map((nombre) => ({ nombre, precio: 1, talla: 'M', createdAt: now, updatedAt: now })),
      { writeConcern: { w: 'majority' } },
    );
}

// Each test starts a cluster of processes on two shared cores: more time than the default 30 s.
describe('relay workers (RELAY_WORKERS)', { timeout: 120_000 }, () => {
  it('spreads clients over its workers, and a client resumes on another worker with every missed event exactly once', async () => {
    const relay = await startCluster(2);
    const spread = [];
    for (let i = 0; i < 6; i++) spread.push(await open(relay.port));
    // Each worker is a relay of its own, with its own id in the welcome.
    expect(new Set(spread.map((client) => welcomeOf(client).relayId)).size).toBe(2);

    const first = spread[0]!;
    await insert(['before-1']);
    const seen = await first.next(isEvent, 15_000);
    expect(seen.product?.nombre).toBe('before-1');
    first.ws.terminate();
    await insert(['missed-1', 'missed-2', 'missed-3']);

    // Round-robin hands the next connection to some worker; keep connecting until one is not the first's.
    let resumed: TestClient | undefined;
    for (let attempt = 0; attempt < 10 && !resumed; attempt++) {
      const client = await open(relay.port, `since=${encodeURIComponent(seen.id)}`);
      if (welcomeOf(client).relayId !== welcomeOf(first).relayId) resumed = client;
    }
    expect(resumed, 'a connection on the other worker').toBeDefined();
    expect(welcomeOf(resumed!).resume).toBe('resumed');
    await waitFor(() => eventsOf(resumed!).length >= 3, 15_000, 'the missed events');
    await insert(['live-1']);
    await waitFor(() => eventsOf(resumed!).length >= 4, 15_000, 'the live event');
    expect(eventsOf(resumed!).map((event) => event.product?.nombre)).toEqual(['missed-1', 'missed-2', 'missed-3', 'live-1']);
  });

  it('answers /readyz and /metrics for every worker together on the admin port, and for one worker on the shared port', async () => {
    const relay = await startCluster(2);
    for (let i = 0; i < 4; i++) await open(relay.port);

    const whole = (await (await fetch(`${relay.admin}/readyz`)).json()) as {
      workers: number;
      ready: number;
      clients: number;
      each: { worker: number; clients: number }[];
    };
    expect(whole).toMatchObject({ workers: 2, ready: 2, clients: 4 });
    expect(whole.each.map((worker) => worker.clients).sort()).toEqual([2, 2]);

    const metrics = await (await fetch(`${relay.admin}/metrics`)).text();
    expect(metrics).toMatch(/^relay_workers 2$/m);
    expect(metrics).toMatch(/^relay_clients 4$/m);
    expect(metrics).toMatch(/^relay_change_stream_ready 2$/m);

    const one = (await (await fetch(`http://127.0.0.1:${relay.port}/readyz`)).json()) as { status: string; clients: number };
    expect(one).toMatchObject({ status: 'ready', clients: 2 });
  });

  it('replaces a worker that dies, and is ready again with as many workers as asked for', async () => {
    const relay = await startCluster(2);
    const before = (await (await fetch(`${relay.admin}/readyz`)).json()) as { each: { pid: number }[] };
    const victim = before.each[0]!.pid;
    process.kill(victim, 'SIGKILL');
    await expect
      .poll(
        async () => {
          const response = await fetch(`${relay.admin}/readyz`);
          const body = (await response.json()) as { each: { pid: number }[] };
          return response.status === 200 && body.each.length === 2 && body.each.every((worker) => worker.pid !== victim);
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(true);
  });

  it('on SIGTERM drains every worker: the admin /readyz turns 503, every client is closed with 1001, and it exits 0', async () => {
    const relay = await startCluster(2, { RELAY_DRAIN_MS: '1500' });
    for (let i = 0; i < 4; i++) await open(relay.port);
    expect(new Set(clients.map((client) => welcomeOf(client).relayId)).size).toBe(2);

    relay.child.kill('SIGTERM');
    await expect.poll(async () => (await fetch(`${relay.admin}/readyz`)).status, { timeout: 5_000, interval: 50 }).toBe(503);
    const closes = await Promise.all(clients.map((client) => client.closed));
    expect(closes.map((close) => close.code)).toEqual([1001, 1001, 1001, 1001]);
    expect(await relay.exited).toBe(0);
  });
});
