import { errors, jwtVerify, SignJWT } from 'jose';

// The one way this project checks (and, for its own clients, makes) bearer tokens: HS256 JWTs with a
// shared secret, an audience naming the service they are meant for, and an expiry. The API and the
// relay call the same function, so they cannot drift apart on `exp`, clock tolerance or algorithms;
// their audiences differ, so a relay token (which travels in URLs: ?access_token=) is never an API
// write token, even when both services share one secret.

/** The audience a token must carry to open a relay connection (RELAY_JWT_AUDIENCE by default). */
export const RELAY_AUDIENCE = 'mongo-live-relay:relay';
/** The audience a token must carry to write through the API (API_JWT_AUDIENCE by default). */
export const API_AUDIENCE = 'mongo-live-relay:api';
/** HS256 keys shorter than the hash output (32 bytes) are guessable. */
export const MIN_SECRET_BYTES = 32;
/** Clock skew allowed on exp/nbf, for both services. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;

/** How a service checks tokens. */
export interface TokenPolicy {
  secret: string;
  audience: string;
  /** Refuse tokens without `exp` (default true: a token that never expires cannot be revoked). */
  requireExp?: boolean;
  clockToleranceSeconds?: number;
}

/** Why a token was refused, in words a client can act on. */
export type TokenRefusal = 'expired' | 'not yet valid' | 'wrong audience' | 'no expiry' | 'bad signature' | 'wrong algorithm' | 'malformed';

/** The outcome of verifyToken. */
export type TokenCheck = { ok: true; expiresAt?: number; subject?: string } | { ok: false; reason: TokenRefusal };

/** Verifies `token` against `policy`; never throws. `expiresAt` is in ms since the epoch. */
export async function verifyToken(token: string, policy: TokenPolicy): Promise<TokenCheck> {
  const { secret, audience, requireExp = true, clockToleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS } = policy;
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      audience,
      clockTolerance: clockToleranceSeconds,
      ...(requireExp ? { requiredClaims: ['exp'] } : {}),
    });
    // Checked once jose has accepted the token, so that anything else wrong keeps its own reason.
    if (!hasCanonicalSignature(token)) return { ok: false, reason: 'bad signature' };
    return {
      ok: true,
      ...(payload.exp === undefined ? {} : { expiresAt: payload.exp * 1000 }),
      ...(payload.sub === undefined ? {} : { subject: payload.sub }),
    };
  } catch (error) {
    return { ok: false, reason: refusalOf(error) };
  }
}

/** Signs a token for `audience` that expires in `ttlSeconds` (for the stack's own consumer, tools and tests). */
export function mintToken({
  secret,
  audience,
  ttlSeconds,
  subject,
}: {
  secret: string;
  audience: string;
  ttlSeconds: number;
  subject: string;
}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

/**
 * Whether the signature part is spelled the one way an encoder writes it. The last character of
 * unpadded base64url carries bits that decoders (jose's included) ignore (RFC 4648 §3.5), so every
 * valid HS256 token has four spellings that all verify. Only the canonical one is accepted, so that a
 * token is one string: a deny-list or a log search by token cannot be sidestepped by respelling it.
 * The header and payload need no check: the signature covers them as sent.
 */
function hasCanonicalSignature(token: string): boolean {
  // jose has checked the shape: three parts, the signature base64url.
  const signature = token.slice(token.lastIndexOf('.') + 1);
  return Buffer.from(signature, 'base64url').toString('base64url') === signature;
}

function refusalOf(error: unknown): TokenRefusal {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'wrong audience';
    if (error.claim === 'exp') return 'no expiry';
    if (error.claim === 'nbf' || error.claim === 'iat') return 'not yet valid';
    return 'malformed';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'wrong algorithm';
  return 'malformed';
}
