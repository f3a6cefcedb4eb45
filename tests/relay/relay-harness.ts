import { SignJWT } from 'jose';
import { pino } from 'pino';
import { afterEach, vi } from 'vitest';
import WebSocket, { type ClientOptions } from 'ws';
import { silentLogger, type Logger } from '../../common/logger.js';
import { RELAY_AUDIENCE } from '../../common/tokens.js';
import type { EventMessage, Operation, ServerMessage } from '../../contract/protocol.js';
import { relayConfig, type RelayConfig } from '../../relay/config.js';
import type { CatchUpOpener } from '../../relay/delivery/catch-up-source.js';
import { createManualSource, type ManualSource } from '../../relay/delivery/manual-source.js';
import { createRelay, type Relay } from '../../relay/relay.js';

// The one relay harness: the whole relay (edge + delivery core) on 127.0.0.1:0 fed by the manual
// source (or a catch-up opener of the test's), clients that record what they receive, the outcome
// of a connection attempt, and event and token factories. What a test sees is what a client of the
// real relay sees.

/** A running relay: its URLs, its source, and how to stop it. */
export interface TestRelay {
  relay: Relay;
  source: ManualSource;
  port: number;
  /** `ws://127.0.0.1:<port>/` */
  url: string;
  /** `ws://127.0.0.1:<port>` (no path), to append one. */
  ws: string;
  /** `http://127.0.0.1:<port>` */
  http: string;
  close(): Promise<void>;
}

/** Starts a relay with `overrides` on top of the default config (drain is immediate unless set). */
export async function startRelay(
  overrides: Partial<RelayConfig> = {},
  {
    source = createManualSource(),
    catchUp,
    logger = silentLogger(),
  }: { source?: ManualSource; catchUp?: CatchUpOpener; logger?: Logger } = {},
): Promise<TestRelay> {
  // Test clients all connect from 127.0.0.1: the per-address limit applies only where a test sets it.
  const config = relayConfig({ host: '127.0.0.1', port: 0, drainMs: 0, maxConnectionsPerIp: relayConfig().maxConnections, ...overrides });
  const relay = createRelay({ config, source, logger, ...(catchUp ? { catchUp } : {}) });
  const port = await relay.listen(0, '127.0.0.1');
  const base = `127.0.0.1:${port}`;
  return { relay, source, port, url: `ws://${base}/`, ws: `ws://${base}`, http: `http://${base}`, close: () => relay.close() };
}

/**
 * For a test file: `start()` a relay per test and push its clients on `clients`; after each test the
 * clients are terminated and the relay stopped.
 */
export function relayFixture(): { clients: TestClient[]; start(overrides?: Partial<RelayConfig>): Promise<TestRelay> } {
  const clients: TestClient[] = [];
  let current: TestRelay | undefined;
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await current?.close();
    current = undefined;
  });
  return {
    clients,
    async start(overrides = {}) {
      current = await startRelay(overrides);
      return current;
    },
  };
}

/** A client that records every message it receives. */
export interface TestClient {
  ws: WebSocket;
  messages: ServerMessage[];
  events(): EventMessage[];
  closed: Promise<{ code: number; reason: string }>;
  /** Waits until the client holds `count` events. */
  waitForEvents(count: number, timeoutMs?: number): Promise<EventMessage[]>;
  /** Resolves with the first received message (past or future) that matches. */
  next<T extends ServerMessage>(match: (message: ServerMessage) => message is T, timeoutMs?: number): Promise<T>;
  close(): void;
}

/** Resolves with what `probe` returns once it returns something; vi.waitFor retries until then. */
function eventually<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
  return vi.waitFor(
    () => {
      const value = probe();
      if (value === undefined) throw new Error(`still waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 10 },
  );
}

/**
 * Opens a client with the given query (`ops=…&since=…`) and ws `options`, and waits for its welcome
 * (rejecting if the relay closes the connection first).
 */
export async function connect(
  url: string,
  query = '',
  { waitWelcome = true, options = { perMessageDeflate: false } }: { waitWelcome?: boolean; options?: ClientOptions } = {},
): Promise<TestClient> {
  const ws = new WebSocket(query ? `${url}?${query}` : url, options);
  const messages: ServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  ws.on('error', () => {});
  const events = () => messages.filter((message): message is EventMessage => message.type === 'event');
  const client: TestClient = {
    ws,
    messages,
    closed,
    events,
    waitForEvents: (count, timeoutMs = 10_000) =>
      eventually(() => (events().length >= count ? events() : undefined), `${count} events`, timeoutMs),
    next: (match, timeoutMs = 5_000) => eventually(() => messages.find(match), 'a matching message', timeoutMs),
    close: () => ws.close(),
  };
  if (waitWelcome) {
    const refused = closed.then(({ code, reason }) => Promise.reject(new Error(`closed before welcome: ${code} ${reason}`)));
    refused.catch(() => {});
    await Promise.race([client.next((message): message is ServerMessage => message.type === 'welcome', 10_000), refused]);
  } else {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }
  return client;
}

/** How a connection attempt ended: refused over HTTP, or opened and later closed with a code. */
export type ConnectOutcome =
  { kind: 'http'; status: number; body: string } | { kind: 'closed'; code: number; reason: string; messages: ServerMessage[] };

/** Connects and waits until the relay refuses (HTTP status) or closes the connection (close code). */
export function connectOutcome(
  url: string,
  options: ClientOptions = {},
  send: (ws: WebSocket) => void = () => {},
): Promise<ConnectOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const messages: ServerMessage[] = [];
    ws.on('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ kind: 'http', status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    ws.on('open', () => send(ws));
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
    ws.on('close', (code, reason) => resolve({ kind: 'closed', code, reason: String(reason), messages }));
    ws.on('error', (error) => {
      // After an unexpected response ws also reports an error; the outcome is already decided then.
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** A product event numbered `n` (id E<n> zero-padded, so ids are unique, hex and readable). */
export function productEvent(n: number, overrides: Partial<EventMessage> & { talla?: string } = {}): EventMessage {
  const { talla = 'L', ...rest } = overrides;
  const op: Operation = rest.op ?? 'insert';
  const id = (n + 1).toString(16).padStart(24, '0');
  return {
    type: 'event',
    id: `E${String(n).padStart(8, '0')}`,
    op,
    ns: { db: 'shop', coll: 'products' },
    key: { id },
    at: new Date(1_700_000_000_000 + n).toISOString(),
    product:
      op === 'delete'
        ? null
        : { id, nombre: `p${n}`, precio: n, talla, createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z' },
    ...rest,
  };
}

/** An insert event numbered `n`, with a 24-hex product id and a hex event id that sort by n. */
export function insertEvent(n: number): EventMessage {
  const id = n.toString(16).padStart(24, '0');
  const at = new Date(1_700_000_000_000 + n).toISOString();
  return {
    type: 'event',
    id: `82${id.toUpperCase()}`,
    op: 'insert',
    ns: { db: 'shop', coll: 'products' },
    key: { id },
    at,
    product: { id, nombre: `p${n}`, precio: n, talla: 'M', createdAt: at, updatedAt: at },
  };
}

/** Signs an HS256 token (or `algorithm`); `expiresAt` like '1h' or seconds since epoch. */
export function signToken(
  secret: string,
  options: { expiresAt?: number | string | null; algorithm?: 'HS256' | 'HS512'; notBefore?: number; audience?: string | null } = {},
): Promise<string> {
  let jwt = new SignJWT({ sub: 'test-client' }).setProtectedHeader({ alg: options.algorithm ?? 'HS256' }).setIssuedAt();
  // A relay token by default: meant for the relay, expiring (null leaves the claim out).
  if (options.audience !== null) jwt = jwt.setAudience(options.audience ?? RELAY_AUDIENCE);
  if (options.expiresAt !== null) jwt = jwt.setExpirationTime(options.expiresAt ?? '10m');
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** A logger that keeps every record, for tests that check what the relay said. */
export function recordingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, records };
}

/** Event ids, for order and completeness assertions. */
export const ids = (events: readonly EventMessage[]) => events.map((event) => event.id);
