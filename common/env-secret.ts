import { z } from 'zod';
import { MIN_SECRET_BYTES } from './tokens.js';

/**
 * An HS256 secret from the environment: at least 32 bytes (the hash's output size; shorter keys are
 * guessable). Counted in bytes, as the key is, not in characters.
 */
export const jwtSecret = z
  .string()
  .refine((value) => Buffer.byteLength(value, 'utf8') >= MIN_SECRET_BYTES, `must be at least ${MIN_SECRET_BYTES} bytes`);
