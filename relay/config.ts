import { z } from 'zod';
import { jwtSecret } from '../common/env-secret.js';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, RELAY_AUDIENCE } from '../common/tokens.js';
import { DEFAULT_MONGO_URL, envFlag, envInt, envList, envLogLevel, envMongoDb, envMongoUrl, envPort, readEnv } from '../common/env.js';
import type { TlsFiles } from '../common/tls.js';

// The relay's whole configuration, parsed once from the environment (see common/env.ts for empty
// values and booleans). Nothing else reads process.env.

const int = (fallback: number, min = 0) => envInt(fallback, { min });

export const relayConfigSchema = z.object({
  RELAY_PORT: envPort(8765),
  RELAY_HOST: z.string().default('0.0.0.0'),
  MONGO_URL: envMongoUrl.default(DEFAULT_MONGO_URL),
  MONGO_DB: envMongoDb,
  MONGO_COLLECTION: z.string().min(1).default('products'),
  RELAY_JWT_SECRET: jwtSecret.optional(),
  // Tokens must name the relay as their audience, so an API write token never opens a connection (and back).
  RELAY_JWT_AUDIENCE: z.string().min(1).default(RELAY_AUDIENCE),
  // Tokens without exp are refused unless this is 0 (the API has the same rule).
  RELAY_JWT_REQUIRE_EXP: envFlag,
  RELAY_JWT_CLOCK_TOLERANCE_S: envInt(DEFAULT_CLOCK_TOLERANCE_SECONDS, { max: 300 }),
  RELAY_ALLOWED_ORIGINS: envList,
  RELAY_MAX_CONNECTIONS: int(10_000, 1),
  // One client address cannot take every slot; a NAT or office shares one address, hence not lower.
  RELAY_MAX_CONNECTIONS_PER_IP: int(100, 1),
  // Proxies in front of the relay that append to X-Forwarded-For; 0: the header is ignored.
  RELAY_TRUST_PROXY: envInt(0, { max: 10 }),
  RELAY_MAX_BUFFERED_BYTES: int(1024 * 1024, 1024),
  RELAY_STALL_MS: int(500, 50),
  RELAY_HEARTBEAT_MS: int(25_000, 10),
  RELAY_DRAIN_MS: int(5_000),
  RELAY_HISTORY_EVENTS: int(10_000),
  RELAY_HISTORY_BYTES: int(16 * 1024 * 1024),
  RELAY_MAX_CATCHUP_STREAMS: int(8, 1),
  RELAY_MAX_PAYLOAD: int(4096, 64),
  RELAY_CLIENT_MESSAGES_PER_SECOND: int(20, 1),
  RELAY_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  RELAY_ADMIN_PORT: int(8766),
  // MongoDB limits: nothing waits on MongoDB without a bound (see docs/operations.md).
  MONGO_SERVER_SELECTION_TIMEOUT_MS: int(5_000, 100),
  MONGO_CONNECT_TIMEOUT_MS: int(5_000, 100),
  // Must outlast one awaitData read (1 s): only a socket silent longer than this is dead.
  MONGO_SOCKET_TIMEOUT_MS: int(30_000, 2_000),
  RELAY_STREAM_STALL_MS: int(10_000, 2_000),
  // /metrics: its own port (RELAY_METRICS_HOST, loopback by default), and/or a token on the public port.
  RELAY_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  RELAY_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  RELAY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // PEM files; with both set the relay serves https/wss only (SIGHUP re-reads them).
  RELAY_TLS_CERT: z.string().min(1).optional(),
  RELAY_TLS_KEY: z.string().min(1).optional(),
  LOG_LEVEL: envLogLevel,
  LOG_PRETTY: envFlag,
});

export interface RelayConfig {
  port: number;
  host: string;
  mongoUrl: string;
  mongoDb: string;
  collection: string;
  /** HS256 secret; when set every connection needs a valid JWT. */
  jwtSecret?: string;
  /** What a connection token must say beyond its signature: audience, exp, clock tolerance. */
  tokenRules: { audience: string; requireExp: boolean; clockToleranceSeconds: number };
  /** When set, an upgrade from any other Origin gets 403. */
  allowedOrigins?: string[];
  maxConnections: number;
  /** Upgrading or open connections one client address may hold; beyond it, upgrades get 429. */
  maxConnectionsPerIp: number;
  /** How many proxies in front of the relay append to X-Forwarded-For (0: the header is never trusted). */
  trustProxyHops: number;
  maxBufferedBytes: number;
  /** A client whose full socket drains nothing for this long has stopped reading: it is closed as slow. */
  stallMs: number;
  heartbeatMs: number;
  drainMs: number;
  historyEvents: number;
  historyBytes: number;
  maxCatchUpStreams: number;
  maxPayload: number;
  clientMessagesPerSecond: number;
  /** Worker processes behind RELAY_PORT (node:cluster); 1 runs the relay in this process. */
  workers: number;
  /** With workers > 1: the primary's own port, answering /readyz and /metrics for all workers together. */
  adminPort: number;
  mongoServerSelectionTimeoutMs: number;
  mongoConnectTimeoutMs: number;
  mongoSocketTimeoutMs: number;
  /** /readyz turns 503 when the change stream has not answered for this long. */
  streamStallMs: number;
  /** When set, /metrics (and the health endpoints) are also served, without a token, on this port. */
  metricsPort?: number;
  metricsHost: string;
  /** When set, /metrics on the public port needs `Authorization: Bearer <it>`; when not, it is 404 there. */
  metricsToken?: string;
  /** Serve https/wss with this certificate and key instead of http/ws. */
  tls?: TlsFiles;
  logLevel: string;
  /** Pretty logs; undefined means "when stdout is a terminal". */
  logPretty?: boolean;
}

/** Defaults for every field, for tests and benchmarks that build a relay directly. */
export function relayConfig(overrides: Partial<RelayConfig> = {}): RelayConfig {
  return { ...fromParsed(relayConfigSchema.parse({})), ...overrides };
}

/**
 * Parses the environment; a bad value throws an error naming the variable. An empty variable counts as
 * unset (compose and shells pass `VAR=` around), except RELAY_JWT_SECRET: an empty secret is refused
 * rather than silently turning authentication off.
 */
export function loadRelayConfig(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const parsed = readEnv(relayConfigSchema, env, { what: 'relay', keepEmpty: ['RELAY_JWT_SECRET'] });
  // One without the other is a half-done setup; serving plain ws then would be a silent downgrade.
  if ((parsed.RELAY_TLS_CERT === undefined) !== (parsed.RELAY_TLS_KEY === undefined)) {
    throw new Error('invalid relay configuration: RELAY_TLS_CERT and RELAY_TLS_KEY must be set together');
  }
  return fromParsed(parsed);
}

function fromParsed(env: z.infer<typeof relayConfigSchema>): RelayConfig {
  return {
    port: env.RELAY_PORT,
    host: env.RELAY_HOST,
    mongoUrl: env.MONGO_URL,
    mongoDb: env.MONGO_DB,
    collection: env.MONGO_COLLECTION,
    jwtSecret: env.RELAY_JWT_SECRET,
    tokenRules: {
      audience: env.RELAY_JWT_AUDIENCE,
      requireExp: env.RELAY_JWT_REQUIRE_EXP ?? true,
      clockToleranceSeconds: env.RELAY_JWT_CLOCK_TOLERANCE_S,
    },
    allowedOrigins: env.RELAY_ALLOWED_ORIGINS,
    maxConnections: env.RELAY_MAX_CONNECTIONS,
    maxConnectionsPerIp: env.RELAY_MAX_CONNECTIONS_PER_IP,
    trustProxyHops: env.RELAY_TRUST_PROXY,
    maxBufferedBytes: env.RELAY_MAX_BUFFERED_BYTES,
    stallMs: env.RELAY_STALL_MS,
    heartbeatMs: env.RELAY_HEARTBEAT_MS,
    drainMs: env.RELAY_DRAIN_MS,
    historyEvents: env.RELAY_HISTORY_EVENTS,
    historyBytes: env.RELAY_HISTORY_BYTES,
    maxCatchUpStreams: env.RELAY_MAX_CATCHUP_STREAMS,
    maxPayload: env.RELAY_MAX_PAYLOAD,
    clientMessagesPerSecond: env.RELAY_CLIENT_MESSAGES_PER_SECOND,
    workers: env.RELAY_WORKERS,
    adminPort: env.RELAY_ADMIN_PORT,
    mongoServerSelectionTimeoutMs: env.MONGO_SERVER_SELECTION_TIMEOUT_MS,
    mongoConnectTimeoutMs: env.MONGO_CONNECT_TIMEOUT_MS,
    mongoSocketTimeoutMs: env.MONGO_SOCKET_TIMEOUT_MS,
    streamStallMs: env.RELAY_STREAM_STALL_MS,
    ...(env.RELAY_METRICS_PORT === undefined ? {} : { metricsPort: env.RELAY_METRICS_PORT }),
    metricsHost: env.RELAY_METRICS_HOST,
    ...(env.RELAY_METRICS_TOKEN === undefined ? {} : { metricsToken: env.RELAY_METRICS_TOKEN }),
    tls: env.RELAY_TLS_CERT && env.RELAY_TLS_KEY ? { certFile: env.RELAY_TLS_CERT, keyFile: env.RELAY_TLS_KEY } : undefined,
    logLevel: env.LOG_LEVEL,
    logPretty: env.LOG_PRETTY,
  };
}
