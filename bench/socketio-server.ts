import cluster from 'node:cluster';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { Server } from 'socket.io';
import { eventFromChange } from '../relay/mongo/event-from-change.js';
import { failStart, serveParent } from './children.js';

// Socket.IO as a Node user would run it for the scale scenarios, fed the way the relay is: each process
// tails the products change stream itself and `io.emit`s every change as the same protocol event the
// relay sends. With workers > 1 it is a node:cluster primary whose workers share the port (websocket
// transport only, so no sticky sessions are needed, and every worker emits every change to its own
// clients: no adapter). With `recovery` it enables connectionStateRecovery, Socket.IO's documented way
// for a client to get what it missed while disconnected.
// argv: JSON SocketIoServerOptions.

/** How the Socket.IO server is started. */
export interface SocketIoServerOptions {
  mongoUrl: string;
  database: string;
  workers: number;
  recovery: boolean;
}

/** What it announces once every worker tails its change stream. */
export interface SocketIoServerInfo {
  port: number;
  pid: number;
}

/** Its operations (summed over workers). */
export type SocketIoServerOps = {
  /** Connected clients and changes emitted so far. */
  stats: { args: null; result: { clients: number; emitted: number } };
};

interface WorkerReport {
  type: 'sio:stats';
  port: number;
  tailing: boolean;
  clients: number;
  emitted: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as SocketIoServerOptions;

async function worker(report: (stats: WorkerReport) => void): Promise<void> {
  const server = http.createServer();
  const io = new Server(server, {
    transports: ['websocket'],
    perMessageDeflate: false,
    serveClient: false,
    ...(options.recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true } } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const mongo = new MongoClient(options.mongoUrl, { appName: 'bench-socketio' });
  const stream = mongo.db(options.database).collection('products').watch([], { fullDocument: 'updateLookup' });
  let emitted = 0;
  let tailing = false;
  const send = () => report({ type: 'sio:stats', port, tailing, clients: io.engine.clientsCount, emitted });
  setInterval(send, 100).unref();
  const emit = (change: Parameters<typeof eventFromChange>[0] | null) => {
    const timed = change && eventFromChange(change);
    if (!timed) return;
    io.emit('event', timed.event);
    emitted++;
  };
  // tryNext opens the stream (the aggregate) without waiting for a change; from then on none is missed.
  emit(await stream.tryNext());
  tailing = true;
  send();
  for (;;) emit(await stream.next());
}

async function main(): Promise<void> {
  if (options.workers <= 1) {
    let last: WorkerReport | undefined;
    const announced = new Promise<WorkerReport>(
      (resolve) =>
        void worker((stats) => {
          last = stats;
          if (stats.tailing) resolve(stats);
        }).catch(failStart),
    );
    const first = await announced;
    return serveParent<SocketIoServerOps>({ port: first.port, pid: process.pid } satisfies SocketIoServerInfo, {
      stats: async () => ({ clients: last?.clients ?? 0, emitted: last?.emitted ?? 0 }),
    });
  }
  const reports = new Map<number, WorkerReport>();
  for (let i = 0; i < options.workers; i++) cluster.fork();
  cluster.on('exit', (worker, code) => failStart(new Error(`Socket.IO worker ${worker.id} exited (${code})`)));
  await new Promise<void>((resolve) =>
    cluster.on('message', (worker, message: WorkerReport) => {
      if (message.type !== 'sio:stats') return;
      reports.set(worker.id, message);
      if (reports.size === options.workers && [...reports.values()].every((report) => report.tailing)) resolve();
    }),
  );
  const port = [...reports.values()][0]!.port;
  serveParent<SocketIoServerOps>({ port, pid: process.pid } satisfies SocketIoServerInfo, {
    stats: async () => {
      const all = [...reports.values()];
      // Every worker emits every change: the changes emitted to all clients are the fewest any worker has.
      return { clients: all.reduce((sum, r) => sum + r.clients, 0), emitted: Math.min(...all.map((r) => r.emitted)) };
    },
  });
}

if (cluster.isWorker) {
  process.on('disconnect', () => process.exit(0));
  worker((stats) => process.connected && process.send?.(stats)).catch(failStart);
} else main().catch(failStart);
