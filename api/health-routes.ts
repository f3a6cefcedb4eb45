import { Hono } from 'hono';
import type { AppEnv } from './app-env.js';
import { ApiProblem, problemResponse } from './problem.js';
import { readOnly } from './method-not-allowed.js';

/** Answers whether the MongoDB primary can be reached now; rejects or resolves false when not. */
export type ReadinessCheck = () => Promise<boolean>;

/**
 * GET /healthz: the process is up and serving (no dependencies checked, so an orchestrator does not
 * restart the API because MongoDB is away). GET /readyz: 200 only when MongoDB's primary answers
 * within `timeoutMs`, else 503: the API cannot write, so a load balancer should send requests elsewhere.
 */
export function healthRoutes(ready: ReadinessCheck, timeoutMs = 2_000): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/healthz', (c) => c.json({ status: 'ok' }));
  routes.get('/readyz', async (c) => {
    const ok = await withTimeout(ready(), timeoutMs).catch(() => false);
    if (ok) return c.json({ status: 'ready' });
    c.header('Retry-After', '1');
    return problemResponse(c, new ApiProblem(503, { detail: 'Not ready: the MongoDB primary is not reachable.' }));
  });
  return readOnly(routes);
}

function withTimeout(check: Promise<boolean>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { name: 'ReadinessTimeout' })), ms);
    check.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
