import http from 'node:http';
import type { DriverCalls } from './driver-calls.js';

// The ceiling: a bare node:http server making the same driver calls. No framework, no web streams,
// no validation: the most a Node process can answer on this backend.

/** The ceiling server over `calls` (not yet listening). */
export function nodeHttpServer(calls: DriverCalls): http.Server {
  return http.createServer((request, response) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const fail = (error: unknown) => send(500, { error: String(error) });
    const url = request.url ?? '/';
    if (request.method === 'POST' && url === '/api/product/') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        const key = request.headers['idempotency-key'];
        const created = typeof key === 'string' ? calls.insertOnce(key, body) : calls.insert(body);
        created.then((doc) => send(201, doc), fail);
      });
      return;
    }
    if (request.method === 'GET' && url.startsWith('/api/product/?')) {
      const limit = Number(new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('limit') ?? 20);
      calls.list(limit).then((page) => send(200, page, { 'stream-position': page.position }), fail);
      return;
    }
    if (request.method === 'GET' && url.startsWith('/api/product/')) {
      calls.get(url.slice('/api/product/'.length)).then((doc) => (doc ? send(200, doc) : send(404, { status: 404 })), fail);
      return;
    }
    send(404, { status: 404 });
  });
}
