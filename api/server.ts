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

/**
 * Bounds on what a client can hold: without them Node keeps slow headers for 60 s, a slow body for
 * 300 s, and any number of such sockets at once (a slowloris holds the API with a few KiB per socket).
 */
export interface ServerLimits {
  /** The whole header block must arrive within this (408 and close otherwise). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (408 and close otherwise). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as soon as they are accepted. */
  maxConnections: number;
}

/** The limits when none are given (the API's configuration defaults). */
export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
};

/** Serves `app` over HTTP (HTTPS when given `tls`) on host:port (port 0 picks a free one); resolves once listening. */
export function listen(
  app: Hono<AppEnv>,
  { host, port, limits = DEFAULT_SERVER_LIMITS, tls }: { host: string; port: number; limits?: ServerLimits; tls?: TlsMaterial },
): Promise<ApiServer> {
  const server = createAdaptorServer({
    fetch: app.fetch,
    ...(tls ? { createServer: createHttpsServer } : {}),
    serverOptions: {
      ...(tls ? { cert: tls.cert, key: tls.key } : {}),
      headersTimeout: limits.headersTimeoutMs,
      // Node refuses a request timeout shorter than the headers timeout.
      requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks those timeouts (default 30 s, which would stretch a 10 s bound to 40 s).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
  }) as Server;
  server.maxConnections = limits.maxConnections;
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
      resolve({
        url: `${scheme}://${shownHost}:${address.port}`,
        port: address.port,
        server,
        close: (graceMs) => stop(server, inFlight, graceMs),
      });
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
