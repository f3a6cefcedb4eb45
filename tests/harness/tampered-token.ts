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

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The same token with the last character of its signature changed only in the bits a base64url
 * decoder ignores (for a 32-byte HS256 signature, the low two of the last character's six): the
 * decoded signature is unchanged, the string is not.
 */
export function respellSignature(token: string): string {
  const last = BASE64URL.indexOf(token.at(-1) ?? '');
  if (last < 0 || token.length - token.lastIndexOf('.') - 1 !== 43) throw new Error('not an HS256 token with a 43-character signature');
  return `${token.slice(0, -1)}${BASE64URL[last ^ 1]}`;
}
