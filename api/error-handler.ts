import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from '../common/logger.js';
import { requestPath, type AppEnv } from './app-env.js';
import type { MongoErrorKind } from './metrics.js';
import { mongoErrorKind } from './mongo-error-kind.js';
import { isMongoUnavailable } from './mongo-unavailable.js';
import { ApiProblem, problemResponse } from './problem.js';

/**
 * The app's one onError: an ApiProblem becomes its problem details; an HTTPException from a Hono
 * middleware keeps its status; anything else is logged with its context and answered with a bare 500
 * that tells the client nothing about the internals.
 */
export function createErrorHandler(
  logger: Logger,
  { onMongoError }: { onMongoError?: (kind: MongoErrorKind) => void } = {},
): ErrorHandler<AppEnv> {
  return (error: Error, c: Context<AppEnv>) => {
    if (error instanceof ApiProblem) {
      // Routes turn some MongoDB failures into problems of their own (a duplicate key into 409): still count them.
      const kind = error.cause === undefined ? undefined : mongoErrorKind(error.cause);
      if (kind) onMongoError?.(kind);
      return problemResponse(c, error);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return problemResponse(c, new ApiProblem(error.status, { cause: error }));
    }
    const kind = mongoErrorKind(error);
    if (kind) onMongoError?.(kind);
    const context = { err: error, requestId: c.get('requestId'), method: c.req.method, path: requestPath(c) };
    if (isMongoUnavailable(error)) {
      // Expected while MongoDB fails over or restarts: the client may retry; the write did not happen
      // or, for a network error after sending, its outcome is unknown (POST with Idempotency-Key is safe to retry).
      logger.warn(context, 'MongoDB unavailable while handling a request');
      c.header('Retry-After', '1');
      return problemResponse(c, new ApiProblem(503, { detail: 'The database is unavailable; retry shortly.' }));
    }
    logger.error(context, 'unexpected error while handling a request');
    return problemResponse(c, new ApiProblem(500, { detail: 'The request could not be completed. It has been logged.' }));
  };
}

/** 404 as problem details for every path the API does not serve. */
export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(c, new ApiProblem(404, { detail: `No resource at ${requestPath(c)}` }));
