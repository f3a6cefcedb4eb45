import { createAdaptorServer } from '@hono/node-server';
import type { Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import type { TlsMaterial } from '../common/tls.js';
import type { AppEnv } from './app-env.js';

/** A listening API server. */
export interface ApiServer {
  /** Base URL, e.g. http://127.0.0.1:8000 (https:// when serving TLS). */
  url: string;
  port: number;
  /** The Node server (an https.Server when serving TLS: its setSecureContext swaps certificates). */
  server: Server | HttpsServer;
  /**
   * Graceful stop: refuses new connections at once, lets requests in flight finish (closing each
   * keep-alive connection as it goes idle), and after `graceMs` cuts whatever is still open.
   * Resolves once every connection is gone.
   */
  close(graceMs?: number): Promise<void>;
}

/** Serves `app` over HTTP (HTTPS when given `tls`) on host:port (port 0 picks a free one); resolves once listening. */
export function listen(app: Hono<AppEnv>, { host, port, tls }: { host: string; port: number; tls?: TlsMaterial }): Promise<ApiServer> {
  const server = (
    tls ? createAdaptorServer({ fetch: app.fetch, createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key } }) : createAdaptorServer({ fetch: app.fetch })
  ) as Server;
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_request, response: ServerResponse) => {
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const scheme = tls ? 'https' : 'http';
      resolve({ url: `${scheme}://${shownHost}:${address.port}`, port: address.port, server, close: (graceMs) => stop(server, inFlight, graceMs) });
    });
  });
}

function stop(server: Server, inFlight: Set<ServerResponse>, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    // Idle keep-alive connections close now; a connection busy with a request answers it with
    // `Connection: close` and then closes, so close() completes when the last request does.
    const closeAfter = (response: ServerResponse) => {
      if (!response.headersSent) response.setHeader('Connection', 'close');
      response.once('finish', () => setImmediate(() => server.closeIdleConnections()));
    };
    for (const response of inFlight) closeAfter(response);
    server.on('request', (_request, response: ServerResponse) => closeAfter(response));
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
  });
}
