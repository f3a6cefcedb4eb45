import { z } from 'zod';
import { RELAY_AUDIENCE } from '../common/tokens.js';
import { envFlag, envInt, envMongoDb, envMongoUrl, envPort, readEnv } from '../common/env.js';

// The embedded stack's configuration, parsed once from the environment and the command line.
// Nothing else in stack/ reads process.env; the services read their own variables from the
// environment the stack hands down to them.

const port = (fallback: number) => envPort(fallback, { allowZero: false });

export const stackConfigSchema = z.object({
  API_PORT: port(8000),
  RELAY_PORT: port(8765),
  MONGO_URL: envMongoUrl.optional(),
  MONGO_DB: envMongoDb,
  /** Allow mongodb-memory-server to download a mongod (never done unless asked). */
  MONGOMS_DOWNLOAD: envFlag,
  /** The mongod to run instead of looking for a cached one. */
  MONGOMS_SYSTEM_BINARY: z.string().optional(),
  /** Hot reload: each service runs under `tsx watch`. Same as the `--watch` argument. */
  STACK_WATCH: envFlag,
  /** How long a real mongod may take to come up before the stack falls back to the double. */
  STACK_MONGOD_TIMEOUT_MS: envInt(8_000, { min: 500 }),
  /** How long each service may take to answer /readyz. */
  STACK_READY_TIMEOUT_MS: envInt(30_000, { min: 1_000 }),
  NO_COLOR: z.string().optional(),
  /** When the relay needs tokens, the stack mints its own consumer one (the relay refuses a short secret). */
  RELAY_JWT_SECRET: z.string().optional(),
  RELAY_JWT_AUDIENCE: z.string().min(1).default(RELAY_AUDIENCE),
});

export interface StackConfig {
  apiPort: number;
  relayPort: number;
  /** An external MongoDB chosen by the user; when absent the stack embeds one. */
  mongoUrl?: string;
  mongoDb: string;
  allowDownload: boolean;
  systemBinary?: string;
  watch: boolean;
  mongodTimeoutMs: number;
  readyTimeoutMs: number;
  /** Colour the per-service prefixes (a TTY, and NO_COLOR unset). */
  color: boolean;
  /** The relay's secret and audience, when it needs tokens: the stack's consumer gets one. */
  relayToken?: { secret: string; audience: string };
}

/** Parses environment and arguments; a bad value throws an error naming the variable. */
export function loadStackConfig(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv.slice(2),
  isTty: boolean = process.stdout.isTTY === true,
): StackConfig {
  const unknown = argv.filter((arg) => arg !== '--watch');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')} (the only option is --watch)`);
  const values = readEnv(stackConfigSchema, env, { what: 'stack' });
  if (values.API_PORT === values.RELAY_PORT) throw new Error(`API_PORT and RELAY_PORT are both ${values.API_PORT}`);
  return {
    apiPort: values.API_PORT,
    relayPort: values.RELAY_PORT,
    mongoUrl: values.MONGO_URL,
    mongoDb: values.MONGO_DB,
    allowDownload: values.MONGOMS_DOWNLOAD ?? false,
    systemBinary: values.MONGOMS_SYSTEM_BINARY,
    watch: (values.STACK_WATCH ?? false) || argv.includes('--watch'),
    mongodTimeoutMs: values.STACK_MONGOD_TIMEOUT_MS,
    readyTimeoutMs: values.STACK_READY_TIMEOUT_MS,
    color: isTty && values.NO_COLOR === undefined,
    ...(values.RELAY_JWT_SECRET ? { relayToken: { secret: values.RELAY_JWT_SECRET, audience: values.RELAY_JWT_AUDIENCE } } : {}),
  };
}
