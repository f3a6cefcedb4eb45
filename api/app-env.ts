import type { Context } from 'hono';
import type { RequestIdVariables } from 'hono/request-id';

/** The Hono environment of the API: what middleware puts on the context for later handlers. */
export interface AppEnv {
  Variables: RequestIdVariables;
}

/** The path as the client sent it (c.req.path drops a trailing slash in a non-strict app). */
export function requestPath(c: Context): string {
  return new URL(c.req.url).pathname;
}
