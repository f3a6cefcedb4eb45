import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestHeader } from './node-headers.js';
import { ApiProblem } from './problem.js';

// Refusing an oversized body with 413 — in a way HTTP clients can actually read. Answering while the
// client is still uploading makes many clients (fetch/undici among them) fail with "socket closed"
// instead of showing the 413. So a body of declared length up to `drainBytes` is read to its end
// and dropped before answering, and the connection stays usable; past that, or when the length is
// not declared, the answer comes at once with `Connection: close`.

/** Options of limitBodySize. */
export interface BodySizeOptions {
  maxBytes: number;
  /** Largest oversized body read to the end before answering; bigger ones get the connection closed. */
  drainBytes?: number;
}

/** Middleware: 413 problem for a body over `maxBytes`. */
export function limitBodySize({ maxBytes, drainBytes = 1024 * 1024 }: BodySizeOptions): MiddlewareHandler {
  const tooLarge = () => new ApiProblem(413, { detail: `The body must not exceed ${maxBytes} bytes.` });
  // Without a declared length, count while reading (Hono's body-limit keeps what it read for the handler).
  const streamed = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      c.header('Connection', 'close');
      throw tooLarge();
    },
  });
  return (c, next) => {
    // Decided from the headers alone. Touching `c.req.raw.body` here would make @hono/node-server
    // build a full web Request (ReadableStream over the socket, AbortController, undici Headers) for
    // every write, instead of reading the body straight off the IncomingMessage: the largest per-request
    // cost a profile of POST showed (docs/performance.md, "The API's request path").
    const declared = requestHeader(c, 'content-length');
    if (declared === undefined || requestHeader(c, 'transfer-encoding') !== undefined) return streamed(c, next);
    const length = Number(declared);
    // Node's HTTP parser has already refused a malformed Content-Length, and it enforces the declared one.
    if (length <= maxBytes) return next();
    return refuse(c, length);
  };

  async function refuse(c: Context, length: number): Promise<never> {
    if (length <= drainBytes) await discard(c.req.raw.body);
    else c.header('Connection', 'close');
    throw tooLarge();
  }
}

async function discard(body: ReadableStream<Uint8Array> | null): Promise<void> {
  const reader = body?.getReader();
  while (reader && !(await reader.read()).done);
}
