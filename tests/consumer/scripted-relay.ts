import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventMessage, Operation, ServerMessage, WelcomeMessage } from '../../contract/protocol.js';

// A WebSocket server that speaks protocol v1 under the test's control, for what is hard to provoke
// in the real relay: chosen close codes, HTTP refusals, a peer that goes silent. It keeps an event
// log and answers `?since=` from it, as the relay does, so resuming is observable.

/** One connection the consumer made. */
export interface ScriptedConnection {
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly socket: WebSocket;
  send(message: ServerMessage): void;
  close(code: number, reason?: string): void;
}

/** What the server does with each connection. */
export interface ScriptedRelayOptions {
  /** Answer the upgrade with this HTTP status instead of accepting it. */
  refuse?: { status: number; body: string };
  /** Whether to answer the consumer's pings (false simulates a dead peer). */
  autoPong?: boolean;
  /** Welcome fields to override (heartbeatMs, resume, …). */
  welcome?: Partial<WelcomeMessage>;
  /** Send the welcome and replay the log after `since` on connect (default true). */
  greet?: boolean;
}

/** The scripted relay. */
export interface ScriptedRelay {
  readonly url: string;
  /** Every upgrade request, accepted or refused. */
  readonly requests: { url: URL; headers: IncomingHttpHeaders }[];
  /** Accepted connections. */
  readonly connections: ScriptedConnection[];
  /** Resolves with accepted connection number `index` (0-based) once it is made. */
  connection(index: number, timeoutMs?: number): Promise<ScriptedConnection>;
  /** Appends to the log and sends to every open connection. */
  publish(event: EventMessage): void;
  /** Appends to the log without sending: an event the connected consumer never received. */
  append(event: EventMessage): void;
  close(): Promise<void>;
}

/** Starts a scripted relay on 127.0.0.1, port 0. */
export async function startScriptedRelay(options: ScriptedRelayOptions = {}): Promise<ScriptedRelay> {
  const log: EventMessage[] = [];
  const requests: ScriptedRelay['requests'] = [];
  const connections: ScriptedConnection[] = [];
  const arrivals = new Set<() => void>();
  const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
  const server = createServer((_request, response) => response.writeHead(426).end());

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'ws://x');
    requests.push({ url, headers: request.headers });
    // Node takes its error handler off an upgraded socket. A client that reads a refusal and resets
    // the connection while the answer is still being written makes this socket emit ECONNRESET, which
    // without a listener is an uncaught exception in the test run (the relay does the same).
    socket.on('error', () => socket.destroy());
    if (options.refuse) {
      const { status, body } = options.refuse;
      socket.end(
        `HTTP/1.1 ${status} Refused\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connection: ScriptedConnection = {
        url,
        headers: request.headers,
        socket: ws,
        send: (message) => ws.send(JSON.stringify(message)),
        close: (code, reason) => ws.close(code, reason),
      };
      connections.push(connection);
      if (options.greet ?? true) greet(connection);
      for (const arrived of arrivals) arrived();
    });
  });

  const greet = (connection: ScriptedConnection) => {
    const since = connection.url.searchParams.get('since');
    const at = since === null ? -1 : log.findIndex((event) => event.id === since);
    const resume = since === null ? 'none' : at < 0 ? 'reset' : 'resumed';
    connection.send(welcomeMessage({ resume, ...options.welcome }));
    if (resume === 'reset') {
      connection.send({ type: 'reset', reason: 'unknown-position', message: 'position not in history' });
    } else if (resume === 'resumed') {
      for (const event of log.slice(at + 1)) connection.send(event);
    }
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `ws://127.0.0.1:${port}`,
    requests,
    connections,
    connection(index, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = connections[index];
          if (!found) return;
          clearTimeout(timer);
          arrivals.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          arrivals.delete(check);
          reject(new Error(`no connection #${index} (have ${connections.length})`));
        }, timeoutMs);
        arrivals.add(check);
        check();
      });
    },
    publish(event) {
      log.push(event);
      for (const connection of connections) {
        if (connection.socket.readyState === 1) connection.send(event);
      }
    },
    append(event) {
      log.push(event);
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A welcome as the relay sends it. */
export function welcomeMessage(fields: Partial<WelcomeMessage> = {}): WelcomeMessage {
  return {
    type: 'welcome',
    protocol: 1,
    relayId: 'scripted',
    heartbeatMs: 25_000,
    resume: 'none',
    subscription: { ops: ['insert'], where: {} },
    ...fields,
  };
}

let sequence = 0;

/** An event for a product, with a fresh hex id like a resume token. */
export function productEvent(
  op: Operation,
  product: { nombre: string; precio: number; talla: string },
  productId = 'a'.repeat(24),
): EventMessage {
  sequence += 1;
  const at = new Date().toISOString();
  return {
    type: 'event',
    id: `82${sequence.toString(16).toUpperCase().padStart(30, '0')}`,
    op,
    ns: { db: 'shop', coll: 'products' },
    key: { id: productId },
    at,
    product: op === 'delete' ? null : { id: productId, ...product, createdAt: at, updatedAt: at },
    ...(op === 'update' ? { changes: { updated: { precio: product.precio, updatedAt: at }, removed: [] } } : {}),
  };
}
