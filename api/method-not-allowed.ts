import type { Handler, Hono } from 'hono';
import type { AppEnv } from './app-env.js';
import { ApiProblem } from './problem.js';

// A path the API serves answers any other method with 405 and the methods it has (RFC 9110
// §15.5.6), not with the 404 of a path it does not serve: the OpenAPI document promises it for every
// path. Registered after a path's own routes, as a catch-all for it.

/** A handler answering 405 with `allow` as the Allow header. */
export function methodNotAllowed(allow: string): Handler<AppEnv> {
  return (c) => {
    throw new ApiProblem(405, { detail: `${c.req.method} is not supported here.`, headers: { Allow: allow } });
  };
}

/** `routes`, read-only: every path with a GET route answers other methods with 405 (Allow: GET). */
export function readOnly(routes: Hono<AppEnv>): Hono<AppEnv> {
  const paths = new Set(routes.routes.filter((route) => route.method === 'GET').map((route) => route.path));
  for (const path of paths) routes.all(path, methodNotAllowed('GET'));
  return routes;
}
