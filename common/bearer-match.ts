import { createHash, timingSafeEqual } from 'node:crypto';

// The static operators' tokens (RELAY_METRICS_TOKEN, API_METRICS_TOKEN): a bearer credential compared
// in constant time. Both sides are hashed first, so neither the comparison's time nor its failure on
// unequal lengths tells anything about the token.

/** Whether `header` is `Bearer <expected>`. */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const given = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1];
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
