import type { Hono } from 'hono';
import type { AppEnv } from './app-env.js';

// What the app's own router says about a path: the pattern of the route that serves a method there
// (the `route` label of the request metrics) and the methods the path has (the Allow of a 405). Both
// are read from the router the app already built, so the routes themselves are the one source of
// them: no list of methods per path to keep in step, and no catch-all route per path, which would
// give every request two handlers and take it off Hono's direct path for single-handler routes.

/** The methods a 405's Allow may list, in the order it lists them. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
// Middleware registered with app.use() matches every path under one of these patterns.
const WILDCARDS = new Set(['*', '/*', '']);

/** Route lookups over an app's router; `path` is the path as Hono routes it (app.getPath). */
export interface RouteTable {
  /**
   * The pattern of the route that serves `method` on `path`; when none does, the pattern of a route
   * the path has for another method (a 405 is counted under the route it was asked of); undefined
   * when no route has the path.
   */
  patternOf(method: string, path: string): string | undefined;
  /** The methods routes serve on `path` (GET, POST, PUT, PATCH, DELETE order); empty when none. */
  allowedMethods(path: string): string[];
}

/** Lookups over `app`'s routes, as they are when asked (routes added later count). */
export function routeTable(app: Hono<AppEnv>): RouteTable {
  const served = (method: string, path: string): string | undefined => {
    let pattern: string | undefined;
    // Matches come in registration order, middleware first: the last one is the route's own handler.
    for (const [[, route]] of app.router.match(method, path)[0]) if (!WILDCARDS.has(route.path)) pattern = route.path;
    return pattern;
  };
  return {
    patternOf(method, path) {
      // Hono answers HEAD with the GET route (and drops the body).
      const pattern = served(method === 'HEAD' ? 'GET' : method, path);
      if (pattern !== undefined) return pattern;
      for (const other of METHODS) {
        const fallback = served(other, path);
        if (fallback !== undefined) return fallback;
      }
      return undefined;
    },
    allowedMethods: (path) => METHODS.filter((method) => served(method, path) !== undefined),
  };
}
