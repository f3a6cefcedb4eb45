import type { Context } from 'hono';

/** The Hono environment of the API: what middleware puts on the context for later handlers. */
export interface AppEnv {
  Variables: {
    /** This request's id (request-id.ts): echoed as X-Request-Id, written on its log lines. */
    requestId: string;
  };
}

/** The path as the client sent it (c.req.path drops a trailing slash in a non-strict app). */
export function requestPath(c: Context): string {
  // c.req.url is already a serialised absolute URL (the Node adapter normalises odd request targets
  // through URL, a web Request always does), so its path is the text between the authority and the
  // query: cut it out rather than parse the whole URL again on every request (every log line needs it).
  const url = c.req.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  let end = url.length;
  for (const mark of ['?', '#']) {
    const at = url.indexOf(mark, start);
    if (at !== -1 && at < end) end = at;
  }
  return url.slice(start, end);
}
