import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../common/logger.js';
import { requestPath, type AppEnv } from './app-env.js';
import type { ApiMetrics } from './metrics.js';
import { requestHeader, responseHeader, setResponseHeader } from './node-headers.js';
import { requestIdOf } from './request-id.js';
import { logRequest } from './request-log.js';

// What every request passes first and last: its id (X-Request-Id, request-id.ts), its metrics by
// route pattern (metrics.ts) and its log line (request-log.ts). One middleware rather than three:
// each handler Hono runs is a dispatch and an async frame more per request, on the path that decides
// how many requests a core can answer (docs/performance.md, "The API's request path").

// A path no route matched has a wildcard (or nothing) as its route: counted as `unmatched`, so the
// label values stay the routes' patterns whatever paths clients try.
const WILDCARDS = new Set(['*', '/*', '']);

/** Middleware: request id, metrics and log line of every request; register it before everything else. */
export function observeRequests(logger: Logger, metrics: ApiMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    metrics.requestStarted();
    const requestId = requestIdOf(requestHeader(c, 'x-request-id'));
    c.set('requestId', requestId);
    setResponseHeader(c, 'X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const status = c.res.status;
      // After next() the route index is that of the handler that answered (or threw). Replays are
      // read off the Idempotent-Replayed header the create route sets, so routes need no metrics code.
      const route = routePath(c);
      const ms = performance.now() - started;
      const method = c.req.method;
      metrics.requestEnded(
        method,
        WILDCARDS.has(route) ? 'unmatched' : route,
        status,
        ms / 1000,
        responseHeader(c, 'Idempotent-Replayed') === 'true',
      );
      logRequest(logger, { requestId, method, path: requestPath(c), status, ms: Math.round(ms * 10) / 10 });
    }
  };
}
