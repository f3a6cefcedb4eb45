import http from 'node:http';
import { Server } from 'socket.io';
import type { Target } from './target.js';

// Socket.IO as a Node user would deploy it for this job: one namespace, `io.emit` per event (it
// encodes each broadcast once and hands the pre-encoded frame to every client), websocket transport
// only, compression off like the relay.

/** Starts a Socket.IO server on 127.0.0.1 (random port). */
export async function startSocketIoTarget(): Promise<Target> {
  const server = http.createServer();
  const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    path: '/socket.io/?EIO=4&transport=websocket',
    dialect: 'socketio',
    emit: (batch) => {
      for (const event of batch) io.emit('event', event);
    },
    clientCount: () => io.engine.clientsCount,
    close: async () => {
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
