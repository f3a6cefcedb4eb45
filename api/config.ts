import { z } from 'zod';
import { jwtSecret } from '../common/env-secret.js';
import { API_AUDIENCE, DEFAULT_CLOCK_TOLERANCE_SECONDS } from '../common/tokens.js';
import type { ServerLimits } from './server.js';
import { MAX_GROUP_DOCUMENTS } from './grouped-inserts.js';
import { DEFAULT_MONGO_URL, envFlag, envInt, envList, envLogLevel, envMongoDb, envMongoUrl, envPort, readEnv } from '../common/env.js';
import type { TlsFiles } from '../common/tls.js';

// The API's whole configuration, parsed once from the environment (see common/env.ts for empty
// values and booleans). Nothing else reads process.env.

/** The environment variables the API reads, with their defaults. */
export const apiConfigSchema = z.object({
  API_PORT: envPort(8000),
  API_HOST: z.string().min(1).default('0.0.0.0'),
  MONGO_URL: envMongoUrl.default(DEFAULT_MONGO_URL),
  MONGO_DB: envMongoDb,
  // HS256 keys shorter than the hash (32 bytes) are guessable; refuse them rather than run weakly.
  API_JWT_SECRET: jwtSecret.optional(),
  // Tokens must name the API as their audience, so a relay token is never a write token.
  API_JWT_AUDIENCE: z.string().min(1).default(API_AUDIENCE),
  // Tokens without exp are refused unless this is 0 (the relay has the same rule).
  API_JWT_REQUIRE_EXP: envFlag,
  API_JWT_CLOCK_TOLERANCE_S: envInt(DEFAULT_CLOCK_TOLERANCE_SECONDS, { max: 300 }),
  LOG_LEVEL: envLogLevel,
  LOG_PRETTY: envFlag,
  API_SHUTDOWN_GRACE_MS: envInt(10_000, { max: 600_000 }),
  // 1: PUT, PATCH and DELETE must carry If-Match (428 otherwise).
  API_REQUIRE_IF_MATCH: envFlag,
  // HTTP limits: a slow client is cut within seconds (see api/server.ts, docs/operations.md).
  API_HEADERS_TIMEOUT_MS: envInt(10_000, { min: 100, max: 600_000 }),
  API_REQUEST_TIMEOUT_MS: envInt(30_000, { min: 100, max: 3_600_000 }),
  API_KEEP_ALIVE_TIMEOUT_MS: envInt(5_000, { min: 100, max: 600_000 }),
  API_MAX_CONNECTIONS: envInt(1_000, { min: 1, max: 1_000_000 }),
  // MongoDB limits: no request waits on MongoDB without a bound (see docs/operations.md).
  MONGO_SERVER_SELECTION_TIMEOUT_MS: envInt(5_000, { min: 100, max: 600_000 }),
  MONGO_CONNECT_TIMEOUT_MS: envInt(5_000, { min: 100, max: 600_000 }),
  MONGO_OPERATION_TIMEOUT_MS: envInt(5_000, { min: 100, max: 600_000 }),
  MONGO_SOCKET_TIMEOUT_MS: envInt(10_000, { min: 1_000, max: 600_000 }),
  // Creates of one event-loop turn share one insert command, up to this many (api/grouped-inserts.ts); 1: each its own.
  API_INSERT_GROUP_MAX: envInt(MAX_GROUP_DOCUMENTS, { min: 1, max: MAX_GROUP_DOCUMENTS }),
  // PEM files; with both set the API serves https only (SIGHUP re-reads them).
  API_TLS_CERT: z.string().min(1).optional(),
  API_TLS_KEY: z.string().min(1).optional(),
  API_CORS_ORIGINS: envList.refine((origins) => origins === undefined || origins.every(isOrigin), {
    message: 'must be a comma-separated list of origins like https://shop.example (scheme, host, optional port; no path), or *',
  }),
  API_CORS_MAX_AGE_S: envInt(600, { max: 86_400 }),
  API_LIVE_PAGE: envFlag,
  // /metrics: its own port (API_METRICS_HOST, loopback by default), and/or a token on the public port;
  // with neither it is closed (404) on the public port.
  API_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  API_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  API_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

/** `*`, or exactly what a browser sends as Origin: scheme://host[:port], nothing more. */
function isOrigin(text: string): boolean {
  if (text === '*') return true;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

/** Everything the API process needs to start. */
export interface ApiConfig {
  port: number;
  host: string;
  mongoUrl: string;
  mongoDb: string;
  /** When set, POST/PUT/PATCH/DELETE need `Authorization: Bearer <HS256 JWT>`; reads stay open. */
  jwtSecret?: string;
  /** What a write token must say beyond its signature: audience, exp, clock tolerance. */
  tokenRules: { audience: string; requireExp: boolean; clockToleranceSeconds: number };
  logLevel: string;
  /** Pretty logs; undefined means "when stdout is a terminal". */
  logPretty?: boolean;
  /** How long shutdown waits for requests in flight before cutting their connections. */
  shutdownGraceMs: number;
  /** PUT, PATCH and DELETE without If-Match answer 428. */
  requireIfMatch: boolean;
  /** HTTP server bounds: headers, whole request, idle keep-alive, simultaneous connections. */
  limits: ServerLimits;
  mongoServerSelectionTimeoutMs: number;
  mongoConnectTimeoutMs: number;
  /** Every MongoDB call's deadline within a request: past it the request answers 503. */
  mongoOperationTimeoutMs: number;
  /** A MongoDB socket silent this long is closed as dead. */
  mongoSocketTimeoutMs: number;
  /** Most creates grouped into one insert command; 1: every create its own. */
  insertGroupMax: number;
  /** Serve https with this certificate and key instead of http. */
  tls?: TlsFiles;
  /** Origins whose pages may call the API (CORS); undefined: no CORS headers at all. */
  corsOrigins?: string[];
  /** How long browsers may cache a preflight answer. */
  corsMaxAgeSeconds: number;
  /** Whether GET /live/ serves the live page (default on). */
  livePage: boolean;
  /** Serve /metrics (open) on this port of metricsHost, for operators; unset: no operators' port. */
  metricsPort?: number;
  metricsHost: string;
  /** /metrics on the public port with `Authorization: Bearer <this>`; unset: closed there (404). */
  metricsToken?: string;
}

/** Parses the environment; a bad value throws an error naming the variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  // An empty variable (`API_JWT_SECRET=` in a .env file) means "not set", as a shell user expects.
  const value = readEnv(apiConfigSchema, env, { what: 'API' });
  // One without the other is a half-done setup; serving plain http then would be a silent downgrade.
  if ((value.API_TLS_CERT === undefined) !== (value.API_TLS_KEY === undefined)) {
    throw new Error('invalid API configuration: API_TLS_CERT and API_TLS_KEY must be set together');
  }
  return {
    port: value.API_PORT,
    host: value.API_HOST,
    mongoUrl: value.MONGO_URL,
    mongoDb: value.MONGO_DB,
    jwtSecret: value.API_JWT_SECRET,
    tokenRules: {
      audience: value.API_JWT_AUDIENCE,
      requireExp: value.API_JWT_REQUIRE_EXP ?? true,
      clockToleranceSeconds: value.API_JWT_CLOCK_TOLERANCE_S,
    },
    logLevel: value.LOG_LEVEL,
    logPretty: value.LOG_PRETTY,
    shutdownGraceMs: value.API_SHUTDOWN_GRACE_MS,
    requireIfMatch: value.API_REQUIRE_IF_MATCH ?? false,
    limits: {
      headersTimeoutMs: value.API_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: value.API_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: value.API_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: value.API_MAX_CONNECTIONS,
    },
    mongoServerSelectionTimeoutMs: value.MONGO_SERVER_SELECTION_TIMEOUT_MS,
    mongoConnectTimeoutMs: value.MONGO_CONNECT_TIMEOUT_MS,
    mongoOperationTimeoutMs: value.MONGO_OPERATION_TIMEOUT_MS,
    mongoSocketTimeoutMs: value.MONGO_SOCKET_TIMEOUT_MS,
    insertGroupMax: value.API_INSERT_GROUP_MAX,
    tls: value.API_TLS_CERT && value.API_TLS_KEY ? { certFile: value.API_TLS_CERT, keyFile: value.API_TLS_KEY } : undefined,
    corsOrigins: value.API_CORS_ORIGINS,
    corsMaxAgeSeconds: value.API_CORS_MAX_AGE_S,
    livePage: value.API_LIVE_PAGE ?? true,
    ...(value.API_METRICS_PORT === undefined ? {} : { metricsPort: value.API_METRICS_PORT }),
    metricsHost: value.API_METRICS_HOST,
    ...(value.API_METRICS_TOKEN === undefined ? {} : { metricsToken: value.API_METRICS_TOKEN }),
  };
}
