import { SignJWT } from 'jose';
import { silentLogger } from '../../common/logger.js';
import { relayConfig, type RelayConfig } from '../../relay/config.js';
import { createRelayServer, type RelayServer } from '../../relay/server.js';
import { createFakeHub, type FakeHub } from './edge-fake-hub.js';

// Starts the relay's edge on a free loopback port around a fake hub, for tests of the edge alone.

/** A running edge: its URLs, its hub, and how to stop it. */
export interface EdgeUnderTest {
  server: RelayServer;
  hub: FakeHub;
  http: string;
  ws: string;
  stop(): Promise<void>;
}

/** Starts an edge with `overrides` on top of the default config (drain is immediate unless set). */
export async function startEdge(overrides: Partial<RelayConfig> = {}): Promise<EdgeUnderTest> {
  const hub = createFakeHub();
  const server = createRelayServer({ config: relayConfig({ drainMs: 0, ...overrides }), hub, logger: silentLogger() });
  const port = await server.listen(0, '127.0.0.1');
  return { server, hub, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}`, stop: () => server.close() };
}

/** Signs an HS256 token; `expiresIn` like '1h' or a past date in seconds since epoch. */
export function signToken(secret: string, options: { expiresAt?: number | string; algorithm?: 'HS256' | 'HS512'; notBefore?: number } = {}): Promise<string> {
  let jwt = new SignJWT({ sub: 'test-client' }).setProtectedHeader({ alg: options.algorithm ?? 'HS256' }).setIssuedAt();
  if (options.expiresAt !== undefined) jwt = jwt.setExpirationTime(options.expiresAt);
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
  return jwt.sign(new TextEncoder().encode(secret));
}
