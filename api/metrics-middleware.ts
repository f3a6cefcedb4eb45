import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from './app-env.js';
import type { ApiMetrics } from './metrics.js';
import { responseHeader } from './node-headers.js';

// Counts and times every request by its route pattern (`/api/product/:id`, not the id itself, so
// label values stay few). A path no route matched is `unmatched`. Replays are read off the
// Idempotent-Replayed header the create route already sets, so the routes need no metrics code.

const WILDCARDS = new Set(['*', '/*', '']);

/** Middleware: request metrics; register it first so it times everything after it. */
export function httpMetrics(metrics: ApiMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const end = metrics.start(c.req.method);
    try {
      await next();
    } finally {
      // After next() the route index is that of the handler that answered (or threw).
      const route = routePath(c);
      end(WILDCARDS.has(route) ? 'unmatched' : route, c.res.status, responseHeader(c, 'Idempotent-Replayed') === 'true');
    }
  };
}
