import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../common/logger.js';
import type { TlsMaterial } from '../../common/tls.js';
import { createAuthenticator, type Grant } from './auth.js';
import { createClientMessages } from './client-messages.js';
import { createHttpEndpoints, requestUrl } from './http-endpoints.js';
import { CloseCode } from '../../contract/close-codes.js';
import type { RelayConfig } from '../config.js';
import { parseConnectRequest } from './connect-request.js';
import { drainSockets } from './shutdown-drain.js';
import { startHeartbeat } from './heartbeat.js';
import { createEdgeCounters, type EdgeStats } from './edge-stats.js';
import type { FeedTimes } from '../delivery/feed-times.js';
import type { Hub } from '../delivery/hub-types.js';
import { createRelayMetrics, type RelayMetrics } from './metrics.js';
import { createAddressSlots } from './address-slots.js';
import { clientAddress } from './client-address.js';
import { originAllowed, refuseUpgrade, type Refusal } from './upgrade-guard.js';
import { closeCodeOfWsError } from './ws-errors.js';

// The relay's edge: HTTP health endpoints and the WebSocket upgrade on one port. An upgrade passes,
// in order: path (404), draining (503), Origin (403), token (401), connection limit (503), connections
// from its client address (429, see client-address.ts for X-Forwarded-For), then ws's own
// handshake checks (400/405). Only then the 101; a bad query is answered after it, with a close frame
// (CloseCode.badRequest and a reason) because browsers cannot read an HTTP refusal's status or body.

/** The relay's HTTP + WebSocket front. */
export interface RelayServer {
  /** The Node server: an https.Server when built with `tls` (wss://), else plain http (ws://). */
  http: Server | HttpsServer;
  /** Listens and resolves the bound port (port 0 picks a free one). */
  listen(port: number, host?: string): Promise<number>;
  /** Drains: /readyz 503, new upgrades 503, clients closed with 1001 over drainMs; resolves when all are gone and the port is closed. */
  close(): Promise<void>;
  readonly draining: boolean;
  stats(): EdgeStats;
  /** What GET /metrics renders (also asked for by a cluster primary, see workers.ts). */
  metrics: RelayMetrics;
}

/** Builds the edge around a hub; nothing listens until listen(). */
export function createRelayServer({
  config,
  hub,
  logger,
  healthy,
  tls,
  feedTimes = () => ({}),
  clock = Date.now,
}: {
  config: RelayConfig;
  hub: Hub;
  logger: Logger;
  /** False once the process cannot heal: /healthz answers 503. */
  healthy?: () => boolean;
  tls?: TlsMaterial;
  /** Where the change stream is in time, for /metrics. */
  feedTimes?: () => FeedTimes;
  clock?: () => number;
}): RelayServer {
  const log = logger.child({ component: 'edge' });
  const authenticator = config.jwtSecret ? createAuthenticator({ ...config.tokenRules, secret: config.jwtSecret }) : undefined;
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: config.maxPayload, perMessageDeflate: false });
  const sockets = new Set<WebSocket>();
  const counts = createEdgeCounters();
  const heartbeat = startHeartbeat({
    intervalMs: config.heartbeatMs,
    sockets,
    onTerminate: () => {
      counts.heartbeatTimeouts += 1;
      log.info('terminated a peer that missed a pong');
    },
  });
  const clientMessages = createClientMessages({
    perSecond: config.clientMessagesPerSecond,
    onViolation: (violation, detail) => {
      counts.closed.add(CloseCode[violation]);
      log.info({ violation, detail }, 'closed a client for what it sent');
    },
    deferPong: (socket) => hub.deferPong(socket),
  });
  // Token expiry, for connections that have one (a relay with a JWT secret).
  const expiryTimers = new Map<WebSocket, NodeJS.Timeout>();
  // The client address each open connection holds a slot for.
  const slots = createAddressSlots(config.maxConnectionsPerIp);
  const addresses = new Map<WebSocket, string>();
  let upgrading = 0;
  let draining = false;
  let closing: Promise<void> | undefined;

  const metrics = createRelayMetrics({ hub: () => hub.stats(), edge: stats, feed: feedTimes, clock });
  const renderMetrics = () =>
    metrics.render().catch((error: unknown) => {
      log.error({ err: error }, 'rendering /metrics failed');
      throw error;
    });
  // Requests here are tiny (health checks, upgrade handshakes): a peer that trickles its headers
  // (slowloris) is cut after 10 s instead of Node's default minute. Upgraded sockets are not affected.
  const endpointState = {
    streamReady: () => hub.ready,
    draining: () => draining,
    clients: () => sockets.size,
    metrics: renderMetrics,
    ...(healthy ? { healthy } : {}),
  };
  const endpoints = createHttpEndpoints({
    ...endpointState,
    metricsAccess: config.metricsToken ? { token: config.metricsToken } : 'closed',
  });
  const limits = { headersTimeout: 10_000, requestTimeout: 10_000 };
  // With TLS the same endpoints and upgrades are served over https/wss; a handshake counts against
  // headersTimeout too, so a peer that stalls in TLS is cut as one that trickles its headers.
  const http: Server | HttpsServer = tls
    ? createHttpsServer({ ...limits, cert: tls.cert, key: tls.key }, endpoints)
    : createServer(limits, endpoints);
  // The operators' port: /metrics without a token (and the health endpoints), never the WebSocket.
  // Plain http: it listens on loopback (or a private network) by default.
  const operatorHttp =
    config.metricsPort === undefined ? undefined : createServer(limits, createHttpEndpoints({ ...endpointState, metricsAccess: 'open' }));

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removes its own error handler from upgraded sockets; a reset during our checks must not crash.
    // It stays on a refused socket, which can still fail while its answer is being written; an accepted
    // one drops it (ws has its own).
    socket.on('error', logUpgradeSocketError);
    upgrade(request, socket, head).catch((error: unknown) => {
      log.error({ err: error }, 'upgrade failed');
      counts.refused.add(503);
      refuseUpgrade(socket, { status: 503, reason: 'relay error' });
    });
  });

  http.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    log.debug({ err: error }, 'malformed HTTP request');
    // A reset peer cannot read an answer; anything else gets the status Node itself would send.
    if (error.code === 'ECONNRESET') return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    counts.badRequests.add(status);
    refuseUpgrade(socket, { status, reason: 'bad request' });
  });

  async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = requestUrl(request.url);
    const refuse = (refusal: Refusal) => {
      // Auth and origin refusals matter to operators; malformed requests are only noise at info level.
      const level = refusal.status === 401 || refusal.status === 403 || refusal.status === 429 ? 'info' : 'debug';
      log[level]({ status: refusal.status, reason: refusal.reason, origin: request.headers.origin }, 'upgrade refused');
      counts.refused.add(refusal.status);
      refuseUpgrade(socket, refusal);
    };
    if (!url) return refuse({ status: 400, reason: 'bad request target' });
    if (url.pathname !== '/') return refuse({ status: 404, reason: 'the WebSocket endpoint is /' });
    if (draining) return refuse({ status: 503, reason: 'relay shutting down', headers: { 'Retry-After': '1' } });
    if (!originAllowed(request, config.allowedOrigins)) return refuse({ status: 403, reason: 'origin not allowed' });

    let grant: Grant = {};
    if (authenticator) {
      const result = await authenticator.authenticate(request, url.searchParams);
      if (!result.ok) return refuse({ status: 401, reason: result.reason, headers: { 'WWW-Authenticate': 'Bearer' } });
      grant = result.grant;
    }
    // Counted after the await: the limit holds even when many upgrades verify tokens at once.
    if (draining) return refuse({ status: 503, reason: 'relay shutting down', headers: { 'Retry-After': '1' } });
    if (sockets.size + upgrading >= config.maxConnections) {
      return refuse({ status: 503, reason: 'too many connections', headers: { 'Retry-After': '5' } });
    }
    // 429, not 503: the relay has room, this client has used its share (and a balancer must not retry it elsewhere).
    const address = clientAddress(request, config.trustProxyHops);
    if (!slots.take(address))
      return refuse({ status: 429, reason: 'too many connections from this address', headers: { 'Retry-After': '5' } });

    const parsed = parseConnectRequest(url.searchParams);
    upgrading += 1;
    let settled = false;
    const settle = () => {
      if (!settled) upgrading -= 1;
      settled = true;
    };
    // ws answers a broken handshake itself without calling back (405 for a method other than GET, else
    // 400); the socket then closes. (A peer gone before ws could answer is counted the same way.)
    const refusedByWs = () => {
      if (!settled) {
        counts.refused.add(request.method === 'GET' ? 400 : 405);
        slots.release(address);
      }
      settle();
    };
    socket.once('close', refusedByWs);
    wss.handleUpgrade(request, socket, head, (ws) => {
      // The WebSocket now owns the socket; a listener left here would be kept for its whole life.
      socket.off('close', refusedByWs);
      socket.off('error', logUpgradeSocketError);
      settle();
      addresses.set(ws, address);
      accept(ws, parsed, grant);
    });
  }

  // Shared listeners rather than a closure per socket: at 10,000 idle clients every retained
  // closure shows in the per-connection memory the benchmark holds us to.
  // One close listener serves the edge's set, the heartbeat and the token expiry.
  function forgetSocket(this: WebSocket): void {
    sockets.delete(this);
    heartbeat.untrack(this);
    const address = addresses.get(this);
    if (address !== undefined) {
      addresses.delete(this);
      slots.release(address);
    }
    const expiry = expiryTimers.get(this);
    if (expiry === undefined) return;
    clearTimeout(expiry);
    expiryTimers.delete(this);
  }
  function logSocketError(error: Error): void {
    // ws closes a connection itself for a frame it refuses (not UTF-8, too large, …) and says so here.
    const code = closeCodeOfWsError(error);
    if (code !== undefined) counts.closed.add(code);
    log.debug({ err: error }, 'client socket error');
  }
  function logUpgradeSocketError(error: Error): void {
    log.debug({ err: error }, 'upgrade socket error');
  }
  function expire(ws: WebSocket): void {
    expiryTimers.delete(ws);
    closeSocket(ws, CloseCode.unauthorized, 'token expired');
  }
  function closeSocket(ws: WebSocket, code: number, reason: string): void {
    if (ws.readyState === ws.OPEN) counts.closed.add(code);
    ws.close(code, reason);
  }
  function countShutdownClose(): void {
    counts.closed.add(CloseCode.shutdown);
  }
  function stats(): EdgeStats {
    return { ...counts, clients: sockets.size, draining };
  }

  function accept(ws: WebSocket, parsed: ReturnType<typeof parseConnectRequest>, grant: Grant): void {
    counts.accepted += 1;
    sockets.add(ws);
    ws.on('close', forgetSocket);
    ws.on('error', logSocketError);
    if (!parsed.ok) {
      closeSocket(ws, CloseCode.badRequest, parsed.reason);
      return;
    }
    if (draining) {
      closeSocket(ws, CloseCode.shutdown, 'relay shutting down');
      return;
    }
    heartbeat.track(ws);
    clientMessages.track(ws);
    if (grant.expiresAt !== undefined) expireAt(ws, grant.expiresAt);
    try {
      hub.connect(ws, parsed.request);
    } catch (error) {
      log.error({ err: error }, 'hub refused a connection');
      closeSocket(ws, CloseCode.internal, 'relay error');
    }
  }

  /** A connection lives no longer than its token. */
  function expireAt(ws: WebSocket, expiresAt: number): void {
    // setTimeout's delay is a signed 32-bit number of ms; longer tokens outlive any realistic connection.
    const delay = Math.min(expiresAt - Date.now(), 2 ** 31 - 1);
    const timer = setTimeout(expire, Math.max(0, delay), ws);
    timer.unref();
    expiryTimers.set(ws, timer);
  }

  return {
    http,
    get draining() {
      return draining;
    },
    stats,
    metrics,
    async listen(port, host = config.host) {
      if (operatorHttp && config.metricsPort !== undefined) {
        const metricsPort = config.metricsPort;
        await new Promise<void>((resolve, reject) => {
          operatorHttp.once('error', reject);
          operatorHttp.listen(metricsPort, config.metricsHost, () => {
            operatorHttp.off('error', reject);
            resolve();
          });
        });
        log.info({ host: config.metricsHost, port: metricsPort }, 'metrics listening');
      }
      return new Promise<number>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          resolve((http.address() as AddressInfo).port);
        });
      });
    },
    close() {
      closing ??= (async () => {
        draining = true;
        log.info({ clients: sockets.size, drainMs: config.drainMs }, 'draining');
        // The port stays open while draining so load balancers read /readyz 503 instead of a refused connection.
        await drainSockets(sockets, config.drainMs, { onClose: countShutdownClose });
        // Upgrades that were past their checks when the drain began are closed on arrival; wait for them too.
        await drainSockets(sockets, 0, { onClose: countShutdownClose });
        heartbeat.stop();
        if (operatorHttp?.listening) {
          await new Promise<void>((resolve) => {
            operatorHttp.close(() => resolve());
            operatorHttp.closeAllConnections();
          });
        }
        await new Promise<void>((resolve) => {
          if (!http.listening) return resolve();
          http.close(() => resolve());
          http.closeAllConnections();
        });
        log.info('drained');
      })();
      return closing;
    },
  };
}
