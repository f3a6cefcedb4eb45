import { PRODUCT_FILTER_FIELDS, productFields, type ProductFilterField } from '../../contract/product.js';
import { parseResumePosition } from '../../contract/stream-position.js';
import type { ConnectRequest } from '../delivery/hub-types.js';
import { OPERATIONS, type Operation, type Subscription } from '../../contract/protocol.js';

// Turns a connection URL's query into a ConnectRequest, or a short reason the client can read in the
// close frame (≤ 123 bytes). Strict on purpose: a typo in a filter must not silently widen or narrow
// what a client receives.
//
//   ?ops=insert,update          operation types (default: insert)
//   &where.talla=L              exact match on a product field (id, nombre, precio, talla)
//   &since=<event id>|time:t.i  resume after an event id, or after a snapshot's stream position
//   &access_token=<jwt>         for browsers, which cannot set an Authorization header

/** The parameters a connection URL may carry; anything else is refused. */
export const CONNECT_PARAMETERS = ['ops', 'since', 'access_token', ...PRODUCT_FILTER_FIELDS.map((field) => `where.${field}`)];

const objectIdHex = /^[0-9a-fA-F]{24}$/;
const decimal = /^\d{1,15}(\.\d{1,2})?$/;

/** Outcome of parsing: the request, or why it is refused (for CloseCode.badRequest). */
export type ConnectRequestResult = { ok: true; request: ConnectRequest } | { ok: false; reason: string };

/**
 * How far past this relay's clock a `time:` position may lie. A real position comes from a snapshot
 * MongoDB has already taken (the API's Stream-Position), so it is in the past; only clock skew between
 * MongoDB and the relay can put it slightly ahead. Anything further (up to time:4294967295.4294967295,
 * past what MongoDB can represent) would be "resumed" and then wait, silently, until that moment.
 */
export const MAX_FUTURE_POSITION_SECONDS = 300;

/** Parses the query of a relay connection URL (`/?ops=…&where.talla=L&since=…`); `now` in ms. */
export function parseConnectRequest(query: URLSearchParams, now: number = Date.now()): ConnectRequestResult {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (!CONNECT_PARAMETERS.includes(name)) return refuse(`unknown parameter ${shorten(name)}`);
    if (seen.has(name)) return refuse(`duplicate parameter ${name}`);
    seen.add(name);
  }

  const ops = parseOps(query.get('ops'));
  if (typeof ops === 'string') return refuse(ops);

  const where: Subscription['where'] = {};
  for (const field of PRODUCT_FILTER_FIELDS) {
    const text = query.get(`where.${field}`);
    if (text === null) continue;
    const value = parseCondition(field, text);
    if (value === undefined) return refuse(`bad value for where.${field}`);
    where[field] = value;
  }

  const request: ConnectRequest = { subscription: { ops, where } };
  const since = query.get('since');
  if (since !== null) {
    // Parsed once, here: the delivery core gets the position, never the text.
    const position = parseResumePosition(since);
    if (!position) return refuse('since must be an event id or a time:<t>.<i> position');
    if ('afterTime' in position && position.afterTime.t > now / 1000 + MAX_FUTURE_POSITION_SECONDS) {
      return refuse('since is a time: position in the future; use the Stream-Position the API gave you');
    }
    request.since = position;
  }
  return { ok: true, request };
}

/** Operation types in protocol order, so equal subscriptions compare equal whatever the URL's order. */
function parseOps(text: string | null): Operation[] | string {
  if (text === null) return ['insert'];
  const names = text.split(',');
  const chosen = new Set<string>();
  for (const name of names) {
    if (!(OPERATIONS as readonly string[]).includes(name)) return `unknown op ${shorten(name)} (insert, update, replace, delete)`;
    if (chosen.has(name)) return `duplicate op ${name}`;
    chosen.add(name);
  }
  return OPERATIONS.filter((op) => chosen.has(op));
}

/** A condition value, checked with the product contract itself; undefined when no product could match. */
function parseCondition(field: ProductFilterField, text: string): string | number | undefined {
  switch (field) {
    case 'id':
      return objectIdHex.test(text) ? text.toLowerCase() : undefined;
    case 'precio': {
      if (!decimal.test(text)) return undefined;
      const parsed = productFields.precio.safeParse(Number(text));
      return parsed.success ? parsed.data : undefined;
    }
    case 'nombre':
    case 'talla': {
      // Stored values are trimmed, so a padded condition could never match: refuse it rather than trim.
      const parsed = productFields[field].safeParse(text);
      return parsed.success && parsed.data === text ? parsed.data : undefined;
    }
  }
}

function refuse(reason: string): ConnectRequestResult {
  return { ok: false, reason };
}

/** Keeps echoed client text short and printable, so the close reason stays within 123 bytes. */
function shorten(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 24 ? `${printable.slice(0, 24)}…` : printable);
}
