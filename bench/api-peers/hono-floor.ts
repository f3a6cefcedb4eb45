import { Hono } from 'hono';
import type { DriverCalls } from './driver-calls.js';

// The framework's floor: a Hono app whose routes do nothing but parse the JSON body and make the
// driver calls. No validation, no problem+json, no request id, no log: what Hono itself costs.

/** The floor app over `calls`; serve it with @hono/node-server as the API is served. */
export function honoFloorApp(calls: DriverCalls): Hono {
  const app = new Hono();
  app.post('/api/product/', async (c) => {
    const body = await c.req.json<Record<string, unknown>>();
    const key = c.req.header('idempotency-key');
    return c.json(key === undefined ? await calls.insert(body) : await calls.insertOnce(key, body), 201);
  });
  app.get('/api/product/', async (c) => {
    const page = await calls.list(Number(c.req.query('limit') ?? 20));
    c.header('Stream-Position', page.position);
    return c.json(page);
  });
  app.get('/api/product/:id', async (c) => {
    const doc = await calls.get(c.req.param('id'));
    return doc ? c.json(doc) : c.json({ status: 404 }, 404);
  });
  return app;
}
