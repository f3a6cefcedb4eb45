import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from './app-env.js';
import { readOnly } from './method-not-allowed.js';

// The live page (live-page/), served same-origin by the API at /live/ so its form can POST without
// CORS. Its script is the client library plus the page, bundled for the browser by esbuild the first
// time it is asked for (then kept): no build step, nothing generated in the repository. esbuild is
// loaded only then, so an API that never serves the page never loads it.

// live-page/ beside api/ when run from the sources; compiled (`npm run build`) this file is in
// dist/api/, one level deeper, and the page's sources stay where they are (esbuild reads TypeScript).
const candidates = ['../live-page/', '../../live-page/'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
const root = candidates.find((dir) => existsSync(`${dir}page.ts`)) ?? (candidates[0] as string);

/** The bundled page script (ES module, minified); rejects with esbuild's errors. */
export async function bundleLivePage(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [`${root}page.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** GET /live/ (the page) and /live/page.js (its script). */
export function livePageRoutes(): Hono<AppEnv> {
  let script: Promise<string> | undefined;
  let html: Promise<string> | undefined;
  // The API's router ignores a trailing slash: /live and /live/ are both the page (its script URL is absolute).
  const routes = new Hono<AppEnv>({ strict: false });
  routes.get('/live', async (c) => {
    html ??= readFile(`${root}index.html`, 'utf8');
    c.header('Cache-Control', 'no-cache');
    return c.html(await html);
  });
  routes.get('/live/page.js', async (c) => {
    script ??= bundleLivePage();
    // A failed bundle is not kept: the next request tries again (and the error handler logs this one).
    const text = await script.catch((error: unknown) => {
      script = undefined;
      throw error;
    });
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'no-cache');
    return c.body(text);
  });
  return readOnly(routes);
}
