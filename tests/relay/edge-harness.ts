import { SignJWT } from 'jose';
import { afterEach } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { relayConfig, type RelayConfig } from '../../relay/config.js';
import { createManualSource, type ManualSource } from '../../relay/delivery/manual-source.js';
import type { EventMessage } from '../../contract/protocol.js';
import { createRelay, type Relay } from '../../relay/relay.js';
import type { TestClient } from './edge-client.js';

// Starts the whole relay (edge + delivery core) on a free loopback port, fed by a manual source, so
// edge tests see exactly what a client of the real relay sees.

/** A running relay: its URLs, its source, and how to stop it. */
export interface EdgeUnderTest {
  relay: Relay;
  source: ManualSource;
  port: number;
  http: string;
  ws: string;
  stop(): Promise<void>;
}

/** Starts a relay with `overrides` on top of the default config (drain is immediate unless set). */
export async function startEdge(overrides: Partial<RelayConfig> = {}): Promise<EdgeUnderTest> {
  const source = createManualSource();
  const relay = createRelay({ config: relayConfig({ drainMs: 0, ...overrides }), source, logger: silentLogger() });
  const port = await relay.listen(0, '127.0.0.1');
  return { relay, source, port, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}`, stop: () => relay.close() };
}

/**
 * For a test file: `start()` a relay per test and push its clients on `clients`; after each test the
 * clients are terminated and the relay stopped.
 */
export function edgeFixture(): { clients: TestClient[]; start(overrides?: Partial<RelayConfig>): Promise<EdgeUnderTest> } {
  const clients: TestClient[] = [];
  let current: EdgeUnderTest | undefined;
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await current?.stop();
    current = undefined;
  });
  return {
    clients,
    async start(overrides = {}) {
      current = await startEdge(overrides);
      return current;
    },
  };
}

/** Signs an HS256 token (or `algorithm`); `expiresAt` like '1h' or seconds since epoch. */
export function signToken(secret: string, options: { expiresAt?: number | string; algorithm?: 'HS256' | 'HS512'; notBefore?: number } = {}): Promise<string> {
  let jwt = new SignJWT({ sub: 'test-client' }).setProtectedHeader({ alg: options.algorithm ?? 'HS256' }).setIssuedAt();
  if (options.expiresAt !== undefined) jwt = jwt.setExpirationTime(options.expiresAt);
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
  return jwt.sign(new TextEncoder().encode(secret));
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
