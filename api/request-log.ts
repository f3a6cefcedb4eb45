import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../common/logger.js';
import { requestPath, type AppEnv } from './app-env.js';

/** Middleware: one log line per request, once it is answered: request id, method, path, status, ms. */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const status = c.res.status;
    const line = { requestId: c.get('requestId'), method: c.req.method, path: requestPath(c), status, ms };
    if (status >= 500) logger.warn(line, 'request failed');
    else logger.info(line, 'request');
  };
}
