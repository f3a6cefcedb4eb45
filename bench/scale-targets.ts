import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Child, trackProcess } from './children.js';
import { processTree } from './proc-stats.js';
import type { SocketIoServerInfo, SocketIoServerOps, SocketIoServerOptions } from './socketio-server.js';
import type { Dialect } from './ws-counter.js';

// The servers of the scale scenarios (connections, storm, ingest), fed by a real change stream: the
// relay exactly as deployed (relay/main.ts, RELAY_WORKERS workers, environment only), and Socket.IO
// tailing the same collection (socketio-server.ts). Both read MongoDB (MONGO_URL or the double).

/** A running server of a scale scenario. */
export interface ScaleTarget {
  name: 'relay' | 'socketio';
  port: number;
  path: string;
  dialect: Dialect;
  /** The process whose tree (it and its workers) is measured. */
  pid: number;
  /** Connections held now, all workers together. */
  clients(): Promise<number>;
  /** Changes read from the change stream so far (per worker: every worker reads every change). */
  changesSeen(): Promise<number>;
  /** Most catch-up change streams open at once (the relay's metric; Socket.IO has none). */
  catchUpPeak(): Promise<number | undefined>;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const METRICS_TOKEN = 'bench-metrics-token-loopback-only';

/** Starts relay/main.ts with `workers` workers against `mongoUrl`/`database`; resolves once /readyz is 200. */
export async function startRelayService({
  mongoUrl,
  database,
  workers,
  maxConnections,
  env = {},
}: {
  mongoUrl: string;
  database: string;
  workers: number;
  maxConnections: number;
  /** More of the relay's configuration, on top of the bench's. */
  env?: Record<string, string>;
}): Promise<ScaleTarget> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      MONGO_URL: mongoUrl,
      MONGO_DB: database,
      RELAY_HOST: '127.0.0.1',
      RELAY_PORT: '0',
      RELAY_ADMIN_PORT: '0',
      RELAY_WORKERS: String(workers),
      RELAY_MAX_CONNECTIONS: String(maxConnections),
      // Every benchmark client connects from 127.0.0.1: no per-address limit below the connection limit.
      RELAY_MAX_CONNECTIONS_PER_IP: String(maxConnections),
      RELAY_DRAIN_MS: '0',
      // /metrics on the relay's own port needs a token (the admin port of a cluster needs none).
      RELAY_METRICS_TOKEN: METRICS_TOKEN,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  trackProcess(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-100_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logged = (msg: string, field: string) => {
    for (const line of output.split('\n')) {
      if (!line.includes(msg)) continue;
      try {
        const value = (JSON.parse(line) as Record<string, unknown>)[field];
        if (typeof value === 'number') return value;
      } catch {
        // a partial line: read again later
      }
    }
    return undefined;
  };
  const port = await poll(() => logged('"relay listening"', 'port'), 60_000, 'the relay to listen');
  // One relay process answers for itself; a cluster answers for all its workers on the admin port.
  const adminPort =
    workers > 1 ? await poll(() => logged('"relay cluster admin listening"', 'adminPort'), 60_000, 'the relay admin port') : port;
  const base = `http://127.0.0.1:${adminPort}`;
  await poll(
    async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200 || undefined,
    60_000,
    'the relay to be ready',
  );
  const metric = async (name: string) => {
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : Number.NaN;
  };
  return {
    name: 'relay',
    port,
    path: '/',
    dialect: 'relay',
    pid: child.pid!,
    // A busy worker may miss the admin port's 2 s answer window and be left out of the sum: ask again.
    clients: () =>
      poll(
        async () => {
          const body = (await (await fetch(`${base}/readyz`)).json()) as { clients: number; each?: { answered?: boolean }[] };
          return body.each?.some((worker) => worker.answered === false) ? undefined : body.clients;
        },
        60_000,
        'every relay worker to report its clients',
      ),
    // Summed over workers by the admin port; each worker reads every change.
    changesSeen: async () => (await metric('relay_events_received_total')) / workers,
    catchUpPeak: () => metric('relay_catchup_streams_open_peak'),
    stop: async () => {
      killTree(child.pid!);
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Starts Socket.IO (workers, optional connectionStateRecovery) tailing the same collection. */
export async function startSocketIoService(options: SocketIoServerOptions): Promise<ScaleTarget> {
  const { child, info } = await Child.start<SocketIoServerOps, SocketIoServerInfo>('./socketio-server.ts', [JSON.stringify(options)], {
    name: 'socket.io',
    timeoutMs: 60_000,
  });
  return {
    name: 'socketio',
    port: info.port,
    path: '/socket.io/?EIO=4&transport=websocket',
    dialect: 'socketio',
    pid: info.pid,
    clients: async () => (await child.call('stats', null)).clients,
    changesSeen: async () => (await child.call('stats', null)).emitted,
    catchUpPeak: async () => undefined,
    stop: async () => {
      killTree(info.pid);
      await child.kill();
    },
  };
}

/** SIGKILL to a process and its descendants (those already gone are skipped). */
function killTree(root: number): void {
  for (const stat of processTree(root)) {
    try {
      process.kill(stat.pid, 'SIGKILL');
    } catch {
      // already exited
    }
  }
}

/** Polls `probe` every 100 ms until it gives a value, or throws after `timeoutMs`. */
export async function poll<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
