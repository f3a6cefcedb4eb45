import type { Logger } from '../common/logger.js';

// Probes and scrapes arrive every few seconds from every orchestrator and Prometheus: at info they
// would drown the requests people make. They are logged at debug (LOG_LEVEL=debug shows them).
const ROUTINE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** What the one log line of an answered request says. */
export interface RequestLine {
  requestId: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

/** Writes the request's line: debug for probes and scrapes, warn for a 5xx, info otherwise. */
export function logRequest(logger: Logger, line: RequestLine): void {
  // A 503 from /readyz is the probe doing its job (MongoDB away), not a failed request.
  if (ROUTINE_PATHS.has(line.path)) logger.debug(line, 'request');
  else if (line.status >= 500) logger.warn(line, 'request failed');
  else logger.info(line, 'request');
}
