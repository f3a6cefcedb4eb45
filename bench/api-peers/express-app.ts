import express, { type ErrorRequestHandler, type Express } from 'express';
import { productInput } from '../../contract/product.js';
import type { DriverCalls } from './driver-calls.js';

// The alternative a team would typically write instead: Express 5 with its JSON body parser (16 KiB,
// as the API), the same zod schema for the body, 400s for bad JSON and bad fields, and the same driver
// calls. No request ids or logs, like most such apps.

/** The Express app over `calls` (Express 5 forwards rejected promises to the error handler). */
export function expressApp(calls: DriverCalls): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(express.json({ limit: '16kb' }));
  app.post('/api/product', async (request, response) => {
    const parsed = productInput.safeParse(request.body);
    if (!parsed.success) {
      response
        .status(400)
        .json({ status: 400, errors: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })) });
      return;
    }
    const key = request.get('idempotency-key');
    const doc = key === undefined ? await calls.insert(parsed.data) : await calls.insertOnce(key, parsed.data);
    response
      .status(201)
      .location(`/api/product/${String(doc.id)}`)
      .json(doc);
  });
  app.get('/api/product', async (request, response) => {
    const page = await calls.list(Number(request.query.limit ?? 20));
    response.set('Stream-Position', page.position).json(page);
  });
  app.get('/api/product/:id', async (request, response) => {
    const doc = await calls.get(request.params.id);
    if (doc) response.json(doc);
    else response.status(404).json({ status: 404 });
  });
  const onError: ErrorRequestHandler = (error: { status?: number }, _request, response, _next) => {
    const status = typeof error.status === 'number' && error.status < 500 ? error.status : 500;
    response.status(status).json({ status });
  };
  app.use(onError);
  return app;
}
