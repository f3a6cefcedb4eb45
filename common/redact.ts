import { stdSerializers } from 'pino';

// No log line, at any level, may carry a credential: tokens travel in Authorization headers and, for
// browsers, in `?access_token=` URLs, and a malformed request's raw bytes (Node's clientError
// `rawPacket`) hold both. This is the one place that knows how to take them out; createLogger applies
// it to every logger of every process.

/** What replaces a secret in a log line. */
export const REDACTED = '[redacted]';

// Keys whose value is censored outright wherever they appear in a record's first two levels (a record's
// own fields and the fields of its objects), and the `authorization` of any `headers` object down to
// the third: headers as Node and fetch spell them, tokens, and a malformed request's raw bytes.
const SECRET_KEYS = new Set(['authorization', 'token', 'access_token', 'rawPacket']);

// A bearer credential, an access_token parameter, or anything shaped like a JWT (three base64url
// parts, the first starting with `eyJ`, i.e. `{"`).
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
const ACCESS_TOKEN = /(access_token=)[^&\s#"']+/gi;
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
// The password of a connection string (mongodb://user:password@host).
const URL_PASSWORD = /(\/\/[^:/@\s]+:)[^@\s]*@/g;

/** `url` with the password of its user part, if any, replaced by [redacted]. */
export function redactUrlCredentials(url: string): string {
  return url.replace(URL_PASSWORD, `$1${REDACTED}@`);
}

// What every credential above contains, in one quick test: most text has none, and one failed search
// is far cheaper than four replacements (this runs on every string of every log line).
const MAY_HOLD_CREDENTIAL = /bearer|access_token|eyJ|\/\/[^:/@\s]+:/i;

/** `text` with every credential in it replaced by [redacted]. */
export function redactText(text: string): string {
  if (!MAY_HOLD_CREDENTIAL.test(text)) return text;
  return redactUrlCredentials(text.replace(BEARER, `$1${REDACTED}`).replace(ACCESS_TOKEN, `$1${REDACTED}`).replace(JWT, REDACTED));
}

/** pino's error serializer, minus raw request bytes, with credentials taken out of its text. */
export function redactingErrorSerializer(error: Error): Record<string, unknown> {
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  delete serialized.rawPacket;
  for (const key of ['message', 'stack'] as const) {
    const value = serialized[key];
    if (typeof value === 'string') serialized[key] = redactText(value);
  }
  return serialized;
}

/**
 * A log record with every credential taken out: the values of secret keys (and of `headers.authorization`)
 * censored, and credentials cut out of its top-level strings (URLs, reasons, messages built from input).
 * It returns the record itself when there is nothing to take out, which is nearly always, and a copy
 * otherwise: the caller's objects are never changed. pino's own `redact` paths did the censoring before;
 * they cost a deep walk of every record, twice what the rest of a log line costs (docs/performance.md).
 */
export function redactRecord(record: Record<string, unknown>): Record<string, unknown> {
  return redactFields(record, 0);
}

/**
 * `fields` at `depth` (0: the record; 1: an object in it; 2: the `headers` of one) with its secret keys
 * censored; itself when it holds none. A copy keeps what JSON shows of an object (its own enumerable
 * fields); an Error's message is not among them, so an Error copied here loses nothing it would show.
 */
function redactFields(fields: Record<string, unknown>, depth: number): Record<string, unknown> {
  if (Array.isArray(fields) || ArrayBuffer.isView(fields)) return fields;
  let copy: Record<string, unknown> | undefined;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    const clean = redactField(key, value, depth);
    if (clean !== value) (copy ??= { ...fields })[key] = clean;
  }
  return copy ?? fields;
}

function redactField(key: string, value: unknown, depth: number): unknown {
  if (SECRET_KEYS.has(key)) return REDACTED;
  const object = typeof value === 'object' && value !== null;
  if (depth === 0) {
    if (typeof value === 'string') return redactText(value);
    // An Error under `err` goes to redactingErrorSerializer, which must still see an Error.
    if (object && key !== 'err') return redactFields(value as Record<string, unknown>, 1);
  } else if (depth === 1 && key === 'headers' && object) {
    return redactFields(value as Record<string, unknown>, 2);
  }
  return value;
}
