import type { Context } from 'hono';
import type { z } from 'zod';
import { requestHeader } from './node-headers.js';
import { ApiProblem, PROBLEM_TYPE_PREFIX, type InvalidField } from './problem.js';

// Turning a request body into validated input, with one distinct answer per way it can be wrong:
// 415 not JSON, 413 too large (enforced by the body-limit middleware before this runs), 400 not
// parseable, 400 listing every invalid field. Nothing unvalidated ever reaches the repository.

/** The largest body the API reads, in bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether a Content-Type names JSON: application/json or any application/*+json, UTF-8 if a charset is given. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  if (header === 'application/json') return true; // what nearly every client sends: skip the parsing below
  const [mediaType = '', ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (!/^application\/([a-z0-9.!#$&^_-]+\+)?json$/.test(mediaType)) return false;
  const charset = parameters.find((parameter) => parameter.startsWith('charset='));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

/** Reads the body as JSON and validates it with `schema`; throws the matching ApiProblem otherwise. */
export async function readJsonBody<Schema extends z.ZodType>(c: Context, schema: Schema): Promise<z.output<Schema>> {
  if (!isJsonContentType(requestHeader(c, 'content-type'))) {
    throw new ApiProblem(415, {
      detail: 'The body must be JSON: send Content-Type: application/json (UTF-8).',
      headers: { 'Accept-Post': 'application/json' },
    });
  }
  const encoding = requestHeader(c, 'content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw new ApiProblem(415, {
      detail: 'Compressed bodies are not accepted; send the JSON as is.',
      headers: { 'Accept-Encoding': 'identity' },
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(await c.req.arrayBuffer()));
  } catch (error) {
    throw new ApiProblem(400, {
      type: `${PROBLEM_TYPE_PREFIX}malformed-json`,
      title: 'Malformed JSON',
      detail: 'The body is not valid UTF-8 JSON.',
      cause: error,
    });
  }
  return validate(schema, value, '');
}

/** Validates `value` with `schema`; a failure is a 400 listing every invalid field, under `prefix`. */
export function validate<Schema extends z.ZodType>(schema: Schema, value: unknown, prefix: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: InvalidField[] = [];
  for (const issue of result.error.issues) {
    // An unknown key is reported at the key itself, so every offending field appears by its path.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const segments = [...(prefix ? [prefix] : []), ...issue.path.map(String), ...(key === undefined ? [] : [key])];
      const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
      errors.push({ path: segments.join('.') || '(body)', message });
    }
  }
  throw validationProblem(errors);
}

/** A 400 for one invalid field outside the body (a header, a query parameter). */
export function invalidField(path: string, message: string): ApiProblem {
  return validationProblem([{ path, message }]);
}

function validationProblem(errors: InvalidField[]): ApiProblem {
  return new ApiProblem(400, {
    type: `${PROBLEM_TYPE_PREFIX}validation-failed`,
    title: 'Invalid request',
    detail: `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((error) => error.path).join(', ')}`,
    errors,
  });
}
