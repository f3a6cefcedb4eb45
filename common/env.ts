import { z } from 'zod';

// The one way a process reads its environment: a zod schema per service (in its config.ts), read
// once at start. Empty or blank values count as unset (compose and shells pass `VAR=` around), unless
// a service names a variable whose empty value must be refused instead. A bad value is an error that
// names the variable. The building blocks below keep every service's booleans, numbers, lists and
// MongoDB settings the same.

/** The MongoDB a service uses when MONGO_URL is not set. */
export const DEFAULT_MONGO_URL = 'mongodb://127.0.0.1:27017/?replicaSet=rs0';
/** The database a service uses when MONGO_DB is not set. */
export const DEFAULT_MONGO_DB = 'shop';

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** A yes/no variable (1/0, true/false, yes/no, on/off, any case); undefined when unset. */
export const envFlag = z
  .string()
  .optional()
  .transform((value, context) => {
    if (value === undefined) return undefined;
    const word = value.trim().toLowerCase();
    if (TRUE.includes(word)) return true;
    if (FALSE.includes(word)) return false;
    context.addIssue({ code: 'custom', message: `must be one of ${[...TRUE, ...FALSE].join(', ')}` });
    return z.NEVER;
  });

/** A whole number of at least `min` (and at most `max`), with a default. */
export const envInt = (fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** A TCP port; 0 (any free port) only where `allowZero`. */
export const envPort = (fallback: number, { allowZero = true }: { allowZero?: boolean } = {}) =>
  envInt(fallback, { min: allowZero ? 0 : 1, max: 65_535 });

/** A comma-separated list, items trimmed, empty items dropped; undefined when unset. */
export const envList = z
  .string()
  .optional()
  .transform((value) =>
    value
      ? value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : undefined,
  );

/** pino's levels. */
export const envLogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** A MongoDB connection string. */
export const envMongoUrl = z
  .string()
  .trim()
  .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL');

/** A MongoDB database name. */
export const envMongoDb = z
  .string()
  .regex(/^[^\s./\\"$*<>:|?]{1,63}$/, 'must be a MongoDB database name')
  .default(DEFAULT_MONGO_DB);

/**
 * Parses `env` with `schema`: blank values count as unset, except the variables in `keepEmpty`
 * (whose empty value the schema then refuses). Throws `invalid <what> configuration: NAME: problem`.
 */
export function readEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: NodeJS.ProcessEnv,
  { what, keepEmpty = [] }: { what: string; keepEmpty?: readonly string[] },
): z.output<Schema> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => value !== undefined && (value.trim() !== '' || keepEmpty.includes(name))),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid ${what} configuration: ${issues.join('; ')}`);
  }
  return parsed.data;
}
