/**
 * A JWT whose signature no longer matches: the first base64url character of the signature is
 * replaced by another. Changing the first character always changes the first decoded byte; changing
 * the last ones does not, because the final character of an unpadded HS256 signature carries two
 * bits decoders ignore — overwriting the tail with "AA" left one token in ~1,000 still valid, and a
 * refusal test then flaked.
 */
export function tamperSignature(token: string): string {
  const cut = token.lastIndexOf('.') + 1;
  const first = token[cut] === 'A' ? 'B' : 'A';
  return `${token.slice(0, cut)}${first}${token.slice(cut + 1)}`;
}
