import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerMatches } from '../../common/bearer-match.js';
import { METRICS_CONTENT_TYPE } from './metrics.js';

// The relay's plain HTTP answers on its WebSocket port: liveness, readiness, Prometheus metrics, and a
// short help text for someone who opens the URL in a browser or with curl. Everything else is 404.
// None of them needs the WebSocket token: they are for operators and load balancers. /metrics is not
// open on the public port: it needs RELAY_METRICS_TOKEN there, or is served on RELAY_METRICS_PORT.

/** What the endpoints report, read at request time. */
export interface EndpointState {
  /** The event source is tailing. */
  streamReady(): boolean;
  draining(): boolean;
  /** False once the process cannot heal and is about to exit (default: always healthy). */
  healthy?(): boolean;
  clients(): number;
  /** The Prometheus exposition text (a rejection is answered 500; the caller logs it). */
  metrics(): Promise<string>;
  /**
   * Who may read /metrics here: 'open' (the operators' own port), a bearer token, or nobody (404:
   * the public port without RELAY_METRICS_TOKEN). Default 'open'.
   */
  metricsAccess?: 'open' | 'closed' | { token: string };
}

const HELP = `This is the product relay's WebSocket endpoint (protocol v1).
Connect with a WebSocket client, for example:
  ws://HOST/?ops=insert,update,replace,delete&where.talla=L&since=<event id>
Parameters: ops (comma list, default insert), where.<id|nombre|precio|talla>=<value> (exact match),
since (an event id, or a time:<t>.<i> stream position), access_token (when auth is on; or send
"Authorization: Bearer <token>"). Health: GET /healthz, GET /readyz. Metrics (Prometheus): GET /metrics.
`;

const text = 'text/plain; charset=utf-8';

/** The request handler for non-upgrade requests. */
export function createHttpEndpoints(state: EndpointState): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const path = requestUrl(request.url)?.pathname;
    if (path !== '/' && path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return send(response, 404, text, 'not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return send(response, 405, text, 'method not allowed\n');
    }
    if (path === '/metrics') {
      const access = state.metricsAccess ?? 'open';
      if (access === 'closed') return send(response, 404, text, 'not found (metrics: RELAY_METRICS_PORT or RELAY_METRICS_TOKEN)\n');
      if (access !== 'open' && !bearerMatches(request.headers.authorization, access.token)) {
        response.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        return send(response, 401, text, 'metrics need Authorization: Bearer <RELAY_METRICS_TOKEN>\n');
      }
      state.metrics().then(
        (body) => send(response, 200, METRICS_CONTENT_TYPE, body),
        () => send(response, 500, text, 'metrics unavailable\n'),
      );
      return;
    }
    if (path === '/healthz') {
      const healthy = state.healthy?.() ?? true;
      return send(response, healthy ? 200 : 503, 'application/json', JSON.stringify({ status: healthy ? 'ok' : 'unhealthy' }));
    }
    if (path === '/readyz') {
      const stream = state.streamReady();
      const draining = state.draining();
      const ready = stream && !draining;
      const body = {
        status: ready ? 'ready' : 'not ready',
        stream: stream ? 'tailing' : 'not tailing',
        draining,
        clients: state.clients(),
      };
      return send(response, ready ? 200 : 503, 'application/json', JSON.stringify(body));
    }
    send(response, 200, text, HELP.replace('HOST', hostOf(request)));
  };
}

/** The request target as a URL; null when it is not one. `//x` stays a path, never a host. */
export function requestUrl(target: string | undefined): URL | null {
  try {
    return target?.startsWith('/') ? new URL(`http://relay.invalid${target}`) : new URL(target ?? '/');
  } catch {
    return null;
  }
}

/** The Host header when it looks like a host, for the help text (never echo arbitrary client text). */
function hostOf(request: IncomingMessage): string {
  const host = request.headers.host;
  return host && /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(host) ? host : 'localhost:8765';
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
