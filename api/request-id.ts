import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.js';
import { requestHeader, setResponseHeader } from './node-headers.js';

// Every request gets an id, echoed as X-Request-Id and written on its log lines, so a client's report
// can be matched to the server's log. A caller (a proxy, another service) may bring its own id; it is
// kept when it is short and plain, else replaced. Hono's request-id middleware does the same, but
// through c.req.header() and c.header(), which cost more per request than the rest of it (see
// node-headers.ts).

const MAX_LENGTH = 255;
const PLAIN = /^[\w\-=]+$/;

/** Middleware: the request's id in c.get('requestId') and in the X-Request-Id of the answer. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const given = requestHeader(c, 'x-request-id');
    const id = given && given.length <= MAX_LENGTH && PLAIN.test(given) ? given : crypto.randomUUID();
    c.set('requestId', id);
    setResponseHeader(c, 'X-Request-Id', id);
    return next();
  };
}
