import type { Logger } from '../common/logger.js';
import { recordWriter } from '../common/record-writer.js';

// Probes and scrapes arrive every few seconds from every orchestrator and Prometheus: at info they
// would drown the requests people make. They are logged at debug (LOG_LEVEL=debug shows them).
const ROUTINE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** What the one log line of an answered request says. */
// A type rather than an interface: it is then a record of strings and numbers, as recordWriter takes.
export type RequestLine = {
  requestId: string;
  method: string;
  path: string;
  status: number;
  ms: number;
};

/** The writer of request lines: debug for probes and scrapes, warn for a 5xx, info otherwise. */
export function requestLog(logger: Logger): (line: RequestLine) => void {
  // The info line is written once per request a client makes: through the logger's direct writer.
  const answered = recordWriter(logger, 'info', 'request');
  return (line) => {
    // A 503 from /readyz is the probe doing its job (MongoDB away), not a failed request.
    if (ROUTINE_PATHS.has(line.path)) logger.debug(line, 'request');
    else if (line.status >= 500) logger.warn(line, 'request failed');
    else answered(line);
  };
}
