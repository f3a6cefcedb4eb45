import { Hono } from 'hono';
import { bearerMatches } from '../common/bearer-match.js';
import type { AppEnv } from './app-env.js';
import { METRICS_CONTENT_TYPE, type ApiMetrics } from './metrics.js';
import { requestHeader } from './node-headers.js';
import { ApiProblem } from './problem.js';
import { readOnly } from './method-not-allowed.js';

// GET /metrics. Route patterns, status counts and process figures are for operators, not for the
// internet: on the API's public port they are closed (404) unless API_METRICS_TOKEN is set (then they
// need it as a bearer token), and served openly on API_METRICS_PORT, the operators' own port, as the
// relay does with its metrics.

/** Who may read /metrics: anyone (the operators' port), holders of a bearer token, or nobody. */
export type MetricsAccess = 'open' | 'closed' | { token: string };

/** The /metrics route under `access`. */
export function metricsRoutes(metrics: ApiMetrics, access: MetricsAccess): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/metrics', async (c) => {
    if (access === 'closed') {
      throw new ApiProblem(404, {
        detail: 'Metrics are served on the operators’ port (API_METRICS_PORT), or here with API_METRICS_TOKEN.',
      });
    }
    if (access !== 'open' && !bearerMatches(requestHeader(c, 'authorization'), access.token)) {
      throw new ApiProblem(401, {
        detail: 'Metrics need Authorization: Bearer <API_METRICS_TOKEN>.',
        headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' },
      });
    }
    return c.body(await metrics.render(), 200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Cache-Control': 'no-store' });
  });
  // Closed here, /metrics is a path this port does not serve: 404 whatever the method.
  return access === 'closed' ? routes : readOnly(routes);
}
