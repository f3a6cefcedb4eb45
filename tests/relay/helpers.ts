import { pino } from 'pino';
import WebSocket from 'ws';
import { silentLogger, type Logger } from '../../common/logger.js';
import type { CatchUpOpener } from '../../relay/delivery/catch-up-source.js';
import { relayConfig, type RelayConfig } from '../../relay/config.js';
import { createManualSource, type ManualSource } from '../../relay/delivery/manual-source.js';
import type { EventMessage, Operation, ServerMessage } from '../../contract/protocol.js';
import { createRelay, type Relay } from '../../relay/relay.js';

// Shared by the delivery-core tests: a relay on port 0 fed by the manual source, lean clients that
// record what they receive, and an event factory.

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A product event numbered `n` (id E<n> zero-padded, so ids are unique and readable). */
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
    product: op === 'delete' ? null : { id, nombre: `p${n}`, precio: n, talla, createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z' },
    ...rest,
  };
}

/** A relay on 127.0.0.1:0 fed by a manual source. */
export interface TestRelay {
  relay: Relay;
  source: ManualSource;
  url: string;
  close(): Promise<void>;
}

export async function startRelay(
  overrides: Partial<RelayConfig> = {},
  { source = createManualSource(), catchUp, logger = silentLogger() }: { source?: ManualSource; catchUp?: CatchUpOpener; logger?: Logger } = {},
): Promise<TestRelay> {
  const config = relayConfig({ host: '127.0.0.1', port: 0, drainMs: 0, ...overrides });
  const relay = createRelay({ config, source, logger, ...(catchUp ? { catchUp } : {}) });
  const port = await relay.listen(0, '127.0.0.1');
  return { relay, source, url: `ws://127.0.0.1:${port}/`, close: () => relay.close() };
}

/** A client that records every message it receives. */
export interface TestClient {
  ws: WebSocket;
  messages: ServerMessage[];
  events(): EventMessage[];
  closed: Promise<{ code: number; reason: string }>;
  /** Waits until the client holds `count` events. */
  waitForEvents(count: number, timeoutMs?: number): Promise<EventMessage[]>;
  close(): void;
}

/** Opens a client with the given query (`ops=…&since=…`) and waits for its welcome. */
export async function connect(url: string, query = '', { waitWelcome = true } = {}): Promise<TestClient> {
  const ws = new WebSocket(query ? `${url}?${query}` : url, { perMessageDeflate: false });
  const messages: ServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const client: TestClient = {
    ws,
    messages,
    closed,
    events: () => messages.filter((message): message is EventMessage => message.type === 'event'),
    async waitForEvents(count, timeoutMs = 10_000) {
      await waitUntil(() => client.events().length >= count, `${count} events (have ${client.events().length})`, timeoutMs);
      return client.events();
    },
    close: () => ws.close(),
  };
  if (waitWelcome) await waitUntil(() => messages.length > 0, 'welcome');
  return client;
}

/** A logger that keeps every record, for tests that check what the relay said. */
export function recordingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, records };
}

/** Event ids, for order and completeness assertions. */
export const ids = (events: readonly EventMessage[]) => events.map((event) => event.id);
