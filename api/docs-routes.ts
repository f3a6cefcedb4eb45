import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from './app-env.js';
import { readOnly } from './method-not-allowed.js';
import { openApiDocument } from './openapi.js';

// GET /openapi.json and an API reference page at /docs that works offline: Swagger UI's files come
// from the swagger-ui-dist package and are served by the API itself (no CDN). The script that starts
// Swagger UI is a file too, so the page needs no inline script (a strict CSP allows it).

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>mongo-live-relay API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

/** The document and its page. */
export function docsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  // Built once, on first request: the schemas do not change while the process runs.
  let document: string | undefined;
  const assetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assets = new Map<string, Promise<Buffer>>();

  routes.get('/openapi.json', (c) => {
    document ??= JSON.stringify(openApiDocument());
    return c.body(document, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  });
  routes.get('/docs', (c) => c.html(PAGE));
  routes.get('/docs/init.js', (c) => c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  // One route per file, no `/docs/:file`: a parameter next to the static /docs/init.js would make Hono
  // give up its one-regular-expression router for a slower one on every request of the API.
  for (const [file, type] of Object.entries(ASSETS)) {
    routes.get(`/docs/${file}`, async (c) => {
      let body = assets.get(file);
      if (!body) {
        body = readFile(join(assetsDir, file));
        assets.set(file, body);
      }
      return c.body(new Uint8Array(await body), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
    });
  }
  return readOnly(routes);
}
