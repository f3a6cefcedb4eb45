import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from '../common/logger.js';
import { pathOfUrl, type AppEnv, type RequestBindings } from './app-env.js';
import type { ApiMetrics } from './metrics.js';
import { incomingHeader } from './node-headers.js';
import { requestIdOf } from './request-id.js';
import { requestLog } from './request-log.js';
import type { RouteTable } from './route-table.js';

// What every request passes first and last: its id (X-Request-Id, request-id.ts), its metrics by
// route pattern (metrics.ts) and its log line (request-log.ts). Wrapped around the app's fetch rather
// than registered as middleware: a middleware gives every route a second handler, and Hono then runs
// each request through its middleware chain (an async frame and a promise per handler) instead of
// calling the route's one handler directly — a measurable share of the API's cost per request
// (docs/performance.md, "The API's request path"). It also sees every answer the same way: a route's,
// an error's, a 404 or 405, a CORS preflight.

/** Observes every request `app` answers, through its fetch (and so app.request() too). */
export function observeRequests(app: Hono<AppEnv>, routes: RouteTable, logger: Logger, metrics: ApiMetrics): void {
  const dispatch = app.fetch;
  const logRequest = requestLog(logger);
  app.fetch = (request, env, executionCtx) => {
    const started = performance.now();
    metrics.requestStarted();
    const node = env as Partial<HttpBindings> | undefined;
    const requestId = requestIdOf(
      node?.incoming ? incomingHeader(node.incoming, 'x-request-id') : (request.headers.get('x-request-id') ?? undefined),
    );
    // Handlers and the error handler find the id as c.env.requestId, next to Node's objects.
    const bindings: RequestBindings = { incoming: node?.incoming, outgoing: node?.outgoing, requestId };
    // On Node the header goes on the ServerResponse now, so that every answer carries it, however made.
    bindings.outgoing?.setHeader('X-Request-Id', requestId);

    const observed = (status: number, replayed: boolean) => {
      const ms = performance.now() - started;
      const method = request.method;
      const route = routes.patternOf(method, app.getPath(request, { env: bindings })) ?? 'unmatched';
      metrics.requestEnded(method, route, status, ms / 1000, replayed);
      logRequest({ requestId, method, path: pathOfUrl(request.url), status, ms: Math.round(ms * 10) / 10 });
    };
    const answered = (response: Response): Response => {
      const outgoing = bindings.outgoing;
      // Replays are read off the Idempotent-Replayed header the create route sets, so routes need no metrics code.
      const replayed = outgoing
        ? outgoing.getHeader('Idempotent-Replayed') === 'true'
        : response.headers.get('Idempotent-Replayed') === 'true';
      observed(response.status, replayed);
      return outgoing ? response : withRequestId(response, requestId);
    };
    const failed = (error: unknown): never => {
      // Only the error handler failing gets here; the adapter answers 500.
      observed(500, false);
      throw error;
    };

    let answer: Response | Promise<Response>;
    try {
      answer = dispatch(request, bindings, executionCtx);
    } catch (error) {
      return failed(error);
    }
    return answer instanceof Promise ? answer.then(answered, failed) : answered(answer);
  };
}

/** The answer with its X-Request-Id, where there is no ServerResponse to carry it (app.request()). */
function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set('X-Request-Id', requestId);
    return response;
  } catch {
    // A Response with immutable headers (Response.error(), a fetched one): the same answer, with the id.
    const copy = new Response(response.body, response);
    copy.headers.set('X-Request-Id', requestId);
    return copy;
  }
}
