import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../common/logger.js';
import { requestPath, type AppEnv } from './app-env.js';

// Probes and scrapes arrive every few seconds from every orchestrator and Prometheus: at info they
// would drown the requests people make. They are logged at debug (LOG_LEVEL=debug shows them).
const ROUTINE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Middleware: one log line per request, once it is answered: request id, method, path, status, ms. */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const status = c.res.status;
    const path = requestPath(c);
    const line = { requestId: c.get('requestId'), method: c.req.method, path, status, ms };
    // A 503 from /readyz is the probe doing its job (MongoDB away), not a failed request.
    if (ROUTINE_PATHS.has(path)) logger.debug(line, 'request');
    else if (status >= 500) logger.warn(line, 'request failed');
    else logger.info(line, 'request');
  };
}
