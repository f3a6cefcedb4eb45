import { z } from 'zod';
import { DEFAULT_MONGO_URL, envFlag, envInt, envList, envLogLevel, envMongoDb, envMongoUrl, envPort, readEnv } from '../common/env.js';

// The API's whole configuration, parsed once from the environment (see common/env.ts for empty
// values and booleans). Nothing else reads process.env.

/** The environment variables the API reads, with their defaults. */
export const apiConfigSchema = z.object({
  API_PORT: envPort(8000),
  API_HOST: z.string().min(1).default('0.0.0.0'),
  MONGO_URL: envMongoUrl.default(DEFAULT_MONGO_URL),
  MONGO_DB: envMongoDb,
  // HS256 keys shorter than the hash (32 bytes) are guessable; refuse them rather than run weakly.
  API_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  LOG_LEVEL: envLogLevel,
  LOG_PRETTY: envFlag,
  API_SHUTDOWN_GRACE_MS: envInt(10_000, { max: 600_000 }),
  API_CORS_ORIGINS: envList.refine((origins) => origins === undefined || origins.every(isOrigin), {
    message: 'must be a comma-separated list of origins like https://shop.example (scheme, host, optional port; no path), or *',
  }),
  API_CORS_MAX_AGE_S: envInt(600, { max: 86_400 }),
  API_LIVE_PAGE: envFlag,
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
  logLevel: string;
  /** Pretty logs; undefined means "when stdout is a terminal". */
  logPretty?: boolean;
  /** How long shutdown waits for requests in flight before cutting their connections. */
  shutdownGraceMs: number;
  /** Origins whose pages may call the API (CORS); undefined: no CORS headers at all. */
  corsOrigins?: string[];
  /** How long browsers may cache a preflight answer. */
  corsMaxAgeSeconds: number;
  /** Whether GET /live/ serves the live page (default on). */
  livePage: boolean;
}

/** Parses the environment; a bad value throws an error naming the variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  // An empty variable (`API_JWT_SECRET=` in a .env file) means "not set", as a shell user expects.
  const value = readEnv(apiConfigSchema, env, { what: 'API' });
  return {
    port: value.API_PORT,
    host: value.API_HOST,
    mongoUrl: value.MONGO_URL,
    mongoDb: value.MONGO_DB,
    jwtSecret: value.API_JWT_SECRET,
    logLevel: value.LOG_LEVEL,
    logPretty: value.LOG_PRETTY,
    shutdownGraceMs: value.API_SHUTDOWN_GRACE_MS,
    corsOrigins: value.API_CORS_ORIGINS,
    corsMaxAgeSeconds: value.API_CORS_MAX_AGE_S,
    livePage: value.API_LIVE_PAGE ?? true,
  };
}
