import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';

/** What every request of the API carries as `c.env` (request-observer.ts puts it there). */
export interface RequestBindings extends Partial<HttpBindings> {
  /** This request's id (request-id.ts): echoed as X-Request-Id, written on its log lines. */
  requestId: string;
}

/** The Hono environment of the API. */
export interface AppEnv {
  Bindings: RequestBindings;
}

/** The path as the client sent it (c.req.path drops a trailing slash in a non-strict app). */
export function requestPath(c: Context): string {
  return pathOfUrl(c.req.url);
}

/** The path of an absolute URL, as sent: no query, no fragment. */
export function pathOfUrl(url: string): string {
  // The URL is already serialised (the Node adapter normalises odd request targets through URL, a web
  // Request always does), so its path is the text between the authority and the query: cut it out
  // rather than parse the whole URL again on every request (every log line needs it).
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  let end = url.length;
  for (const mark of ['?', '#']) {
    const at = url.indexOf(mark, start);
    if (at !== -1 && at < end) end = at;
  }
  return url.slice(start, end);
}
