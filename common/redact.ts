import { stdSerializers } from 'pino';

// No log line, at any level, may carry a credential: tokens travel in Authorization headers and, for
// browsers, in `?access_token=` URLs, and a malformed request's raw bytes (Node's clientError
// `rawPacket`) hold both. This is the one place that knows how to take them out; createLogger applies
// it to every logger of every process.

/** What replaces a secret in a log line. */
export const REDACTED = '[redacted]';

/** Object paths pino censors outright (headers as Node and fetch spell them, and raw request bytes). */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
  'access_token',
  'rawPacket',
  'err.rawPacket',
  '*.rawPacket',
];

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

/** Scrubs the top-level strings of a log record (URLs, reasons, messages built from input). */
export function redactRecord(record: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== 'string') continue;
    const clean = redactText(value);
    if (clean !== value) (copy ??= { ...record })[key] = clean;
  }
  return copy ?? record;
}
