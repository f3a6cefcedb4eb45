import { parseArgs } from 'node:util';
import { PRODUCT_FILTER_FIELDS } from '../contract/product.js';
import { OPERATIONS, type Operation } from '../contract/protocol.js';

// The consumer's whole configuration, from its command line and environment, checked once at start.
// Anything wrong is a usage error with a message that names the option (the CLI exits 2).

/** Everything the consumer needs to run. */
export interface ConsumerConfig {
  url: string;
  ops?: Operation[];
  where: Record<string, string>;
  since?: string;
  stateFile?: string;
  token?: string;
  /** PEM file of the CA (or self-signed certificate) to trust for wss://, besides the system's. */
  caFile?: string;
  json: boolean;
  retryBaseMs: number;
  retryCapMs: number;
}

/** What the command line asks for. */
export type ParsedCommandLine =
  { kind: 'run'; config: ConsumerConfig } | { kind: 'help'; text: string } | { kind: 'error'; message: string };

export const DEFAULT_RELAY_URL = 'ws://localhost:8765';

export const usage = `Usage: npm run consumer -- [options]

Prints every product event from the relay as one line (or one JSON object per line with --json).
Reconnects on its own with exponential backoff, resuming after the last event it printed.

Options:
  --url URL            relay WebSocket URL (env RELAY_URL; default ${DEFAULT_RELAY_URL})
  --ops LIST           operations to receive: ${OPERATIONS.join(',')} (default: insert)
  --where FIELD=VALUE  only products whose FIELD equals VALUE; repeatable (fields: ${PRODUCT_FILTER_FIELDS.join(', ')})
  --since ID           start after this event id (or a time:<t>.<i> stream position from the API)
  --state-file PATH    keep the last event id in PATH; a restart continues from it
  --token JWT          access token, sent as "Authorization: Bearer" (env RELAY_TOKEN)
  --ca PATH            PEM certificate(s) to trust for wss://, e.g. ssl/cert.pem (env RELAY_CA)
  --json               print each relay message as one JSON object per line
  --retry-base-ms N    first reconnect delay ceiling in ms (default 500)
  --retry-cap-ms N     longest reconnect delay in ms (default 30000)
  -h, --help           show this help

Exit status: 0 after Ctrl-C or SIGTERM, 1 when the relay refuses the connection for good
(bad request, authentication, policy), 2 for a bad option or URL.`;

const filterFields: ReadonlySet<string> = new Set(PRODUCT_FILTER_FIELDS);
const operations: ReadonlySet<string> = new Set(OPERATIONS);
const awkwardCharacters = /[\s\u0000-\u001f\u007f]/; // eslint-disable-line no-control-regex

class UsageError extends Error {}

/** Parses argv (without node and script) and the environment into a ConsumerConfig. */
export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv = {}): ParsedCommandLine {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        ops: { type: 'string', multiple: true },
        where: { type: 'string', multiple: true },
        since: { type: 'string' },
        'state-file': { type: 'string' },
        token: { type: 'string' },
        ca: { type: 'string' },
        json: { type: 'boolean', default: false },
        'retry-base-ms': { type: 'string' },
        'retry-cap-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) return { kind: 'help', text: usage };
    const retryBaseMs = milliseconds('--retry-base-ms', values['retry-base-ms'], 500);
    const retryCapMs = milliseconds('--retry-cap-ms', values['retry-cap-ms'], 30_000);
    if (retryCapMs < retryBaseMs) throw new UsageError('--retry-cap-ms must not be below --retry-base-ms');
    const config: ConsumerConfig = {
      url: relayUrlOption(values.url ?? nonEmpty(env.RELAY_URL) ?? DEFAULT_RELAY_URL),
      ops: values.ops ? operationList(values.ops) : undefined,
      where: conditions(values.where ?? []),
      since: values.since === undefined ? undefined : position(values.since),
      stateFile: values['state-file'] === undefined ? undefined : path('--state-file', values['state-file']),
      token: tokenOption(values.token ?? nonEmpty(env.RELAY_TOKEN)),
      caFile: optionalPath('--ca', values.ca ?? nonEmpty(env.RELAY_CA)),
      json: values.json,
      retryBaseMs,
      retryCapMs,
    };
    return { kind: 'run', config };
  } catch (error) {
    if (error instanceof UsageError) return { kind: 'error', message: error.message };
    // parseArgs reports unknown options, missing values and stray arguments as TypeErrors.
    if (error instanceof TypeError && 'code' in error) return { kind: 'error', message: error.message };
    throw error;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function relayUrlOption(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url: "${text}" is not a URL (expected e.g. ${DEFAULT_RELAY_URL})`);
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const suggestion = `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}${url.pathname}`;
    throw new UsageError(`--url: the relay speaks WebSocket; use ${suggestion} instead of ${url.protocol}//`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new UsageError(`--url: unsupported scheme "${url.protocol}" (expected ws:// or wss://)`);
  }
  if (url.hash) throw new UsageError('--url: a WebSocket URL cannot have a #fragment');
  return url.toString();
}

function operationList(values: string[]): Operation[] {
  const chosen = values
    .flatMap((value) => value.split(','))
    .map((op) => op.trim())
    .filter(Boolean);
  if (chosen.length === 0) throw new UsageError(`--ops: give at least one of ${OPERATIONS.join(', ')}`);
  for (const op of chosen) {
    if (!operations.has(op)) throw new UsageError(`--ops: unknown operation "${op}" (expected ${OPERATIONS.join(', ')})`);
  }
  return [...new Set(chosen)] as Operation[];
}

function conditions(values: string[]): Record<string, string> {
  const where: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    const field = equals < 0 ? value : value.slice(0, equals).trim();
    if (equals < 0 || field === '') throw new UsageError(`--where: expected FIELD=VALUE, got "${value}"`);
    if (!filterFields.has(field)) {
      throw new UsageError(`--where: unknown field "${field}" (expected one of ${PRODUCT_FILTER_FIELDS.join(', ')})`);
    }
    if (field in where) throw new UsageError(`--where: ${field} given twice (conditions are exact matches)`);
    const text = value.slice(equals + 1);
    if (text === '') throw new UsageError(`--where: ${field} needs a value`);
    where[field] = text;
  }
  return where;
}

function position(text: string): string {
  if (text === '' || text.length > 4096 || awkwardCharacters.test(text)) {
    throw new UsageError('--since: expected an event id as printed by --json (or a time:<t>.<i> position)');
  }
  return text;
}

function path(option: string, text: string): string {
  if (text.trim() === '') throw new UsageError(`${option}: expected a file path`);
  return text;
}

function optionalPath(option: string, text: string | undefined): string | undefined {
  return text === undefined ? undefined : path(option, text);
}

function tokenOption(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (awkwardCharacters.test(text)) throw new UsageError('--token: a JWT cannot contain spaces or control characters');
  return text;
}

function milliseconds(option: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1 || value > 3_600_000) {
    throw new UsageError(`${option}: expected a whole number of milliseconds between 1 and 3600000`);
  }
  return value;
}
