import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { requestHeader } from './node-headers.js';

// CORS for pages served from other origins (a storefront, a dashboard) that call the API from a
// browser. Off unless origins are listed (API_CORS_ORIGINS): the API then answers preflights for the
// listed origins and lets their scripts read the headers a client needs (the snapshot's position,
// the new product's Location, the request id). Requests without an Origin header (curl, servers, the
// same origin) pass through untouched. Hono's own middleware does the header work.

/** Who may call the API from a browser, and how long a preflight answer may be cached. */
export interface CorsOptions {
  /** Exact origins (`https://shop.example`), or `*` for any. */
  origins: readonly string[];
  maxAgeSeconds?: number;
}

/** Headers a cross-origin script may send, beyond the CORS-safelisted ones. */
export const CORS_REQUEST_HEADERS = ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Request-Id'];
/** Response headers a cross-origin script may read. */
export const CORS_EXPOSED_HEADERS = [
  'Stream-Position',
  'Location',
  'Idempotent-Replayed',
  'X-Request-Id',
  'Retry-After',
  'WWW-Authenticate',
];

/** The CORS middleware for `origins`. */
export function corsPolicy({ origins, maxAgeSeconds = 600 }: CorsOptions): MiddlewareHandler {
  const any = origins.includes('*');
  const handle = cors({
    origin: any ? '*' : [...origins],
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: CORS_REQUEST_HEADERS,
    exposeHeaders: CORS_EXPOSED_HEADERS,
    maxAge: maxAgeSeconds,
  });
  return async (c, next) => {
    if (requestHeader(c, 'origin') === undefined) return next();
    // The answer differs by Origin: caches must key on it (preflights get this from hono already).
    if (!any && c.req.method !== 'OPTIONS') c.header('Vary', 'Origin', { append: true });
    return handle(c, next);
  };
}
