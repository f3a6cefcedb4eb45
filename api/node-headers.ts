import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';

// The headers of the hot path, read and written where Node already keeps them. Served by
// @hono/node-server, every request comes with Node's IncomingMessage and ServerResponse as c.env
// (its documented HttpBindings). Hono's c.req.header() would first build an undici Headers from the
// raw header list, and c.header() a second one for the answer, which the adapter then turns back
// into a plain object for Node: together the largest share of what the API cost per request above
// its framework floor (docs/performance.md, "The API's request path"). Anywhere else — app.request()
// in tests, another runtime — these fall back to Hono's own, so the answers are the same.

function bindings(c: Context): Partial<HttpBindings> | undefined {
  return c.env as Partial<HttpBindings> | undefined;
}

/** A request header by its lower-case name; repeated headers joined with ", " as Headers.get does. */
export function requestHeader(c: Context, name: Lowercase<string>): string | undefined {
  const incoming = bindings(c)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Sets a header of the answer, whatever Response the app ends up returning (an error's problem+json
 * included). On Node it goes straight to the ServerResponse, which merges it into the answer when
 * the adapter writes it; headers the Response itself carries take precedence, as with c.header().
 */
export function setResponseHeader(c: Context, name: string, value: string): void {
  const outgoing = bindings(c)?.outgoing;
  if (outgoing && 'setHeader' in outgoing && !outgoing.headersSent) outgoing.setHeader(name, value);
  else c.header(name, value);
}

/** A header of the answer set with setResponseHeader, once the answer is ready. */
export function responseHeader(c: Context, name: string): string | undefined {
  const outgoing = bindings(c)?.outgoing;
  if (outgoing && 'getHeader' in outgoing) {
    const value = outgoing.getHeader(name);
    return value === undefined ? undefined : String(value);
  }
  return c.res.headers.get(name) ?? undefined;
}
