import http from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { textFrame } from '../../relay/delivery/frames.js';
import type { Target } from './target.js';

// The raw peers: a plain `ws` server whose sockets are written directly with frames built once.
// `perDelivery` writes one frame per event per client (what a straightforward hub does); `coalesced`
// concatenates the frames of a batch and writes them once per client: the machine's ceiling for this
// payload, with no per-client work beyond the write itself.

/** Starts a raw writer on 127.0.0.1 (random port). */
export async function startRawWsTarget(mode: 'perDelivery' | 'coalesced'): Promise<Target> {
  const sockets = new Set<Socket>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  const server = http.createServer((_request, response) => response.writeHead(426).end());
  server.on('upgrade', (request, socket: Socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      socket.setNoDelay(true);
      sockets.add(socket);
      ws.on('close', () => sockets.delete(socket));
      ws.on('error', () => sockets.delete(socket));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');

  const emit =
    mode === 'perDelivery'
      ? (batch: { type: string }[]) => {
          for (const event of batch) {
            const frame = textFrame(JSON.stringify(event));
            for (const socket of sockets) socket.write(frame);
          }
        }
      : (batch: { type: string }[]) => {
          const frames = Buffer.concat(batch.map((event) => textFrame(JSON.stringify(event))));
          for (const socket of sockets) socket.write(frames);
        };

  return {
    port: address.port,
    path: '/',
    dialect: 'ws',
    emit,
    clientCount: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
