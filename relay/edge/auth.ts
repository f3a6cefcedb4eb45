import type { IncomingMessage } from 'node:http';
import { errors, jwtVerify } from 'jose';

// JWT authentication for upgrades (HS256, the shared RELAY_JWT_SECRET). The token comes from
// `Authorization: Bearer …` or, for browsers that cannot set headers, `?access_token=`. Exactly one
// token must be given: two (header and query, or a repeated parameter) are refused rather than guessed.

/** A verified token: when it expires (ms since epoch), if it says. */
export interface Grant {
  expiresAt?: number;
}

/** Outcome of checking a request's credentials. */
export type AuthResult = { ok: true; grant: Grant } | { ok: false; reason: string };

/** Checks upgrade requests against one HS256 secret. */
export interface Authenticator {
  authenticate(request: IncomingMessage, query: URLSearchParams): Promise<AuthResult>;
}

/** Builds the authenticator for `secret`. */
export function createAuthenticator(secret: string): Authenticator {
  const key = new TextEncoder().encode(secret);
  return {
    async authenticate(request, query) {
      const token = tokenOf(request, query);
      if (typeof token !== 'string') return token;
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        return { ok: true, grant: payload.exp === undefined ? {} : { expiresAt: payload.exp * 1000 } };
      } catch (error) {
        return { ok: false, reason: reasonOf(error) };
      }
    },
  };
}

function tokenOf(request: IncomingMessage, query: URLSearchParams): string | { ok: false; reason: string } {
  const header = request.headers.authorization;
  const fromQuery = query.getAll('access_token');
  if (header !== undefined && fromQuery.length > 0) return { ok: false, reason: 'give the token once: header or access_token' };
  if (fromQuery.length > 1) return { ok: false, reason: 'give the token once: header or access_token' };
  if (header !== undefined) {
    const match = /^Bearer +([^ ]+) *$/i.exec(header);
    return match?.[1] ? match[1] : { ok: false, reason: 'Authorization must be "Bearer <token>"' };
  }
  const token = fromQuery[0];
  return token ? token : { ok: false, reason: 'missing token' };
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return 'token not valid now';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad token signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token must use HS256';
  return 'malformed token';
}
