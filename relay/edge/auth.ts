import type { IncomingMessage } from 'node:http';
import { verifyToken, type TokenPolicy, type TokenRefusal } from '../../common/tokens.js';

// JWT authentication for upgrades (HS256, RELAY_JWT_SECRET, audience RELAY_JWT_AUDIENCE, checked by
// common/tokens.ts as the API's are). The token comes from
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

/** Builds the authenticator for `policy` (secret, audience, exp rule, clock tolerance). */
export function createAuthenticator(policy: TokenPolicy): Authenticator {
  return {
    async authenticate(request, query) {
      const token = tokenOf(request, query);
      if (typeof token !== 'string') return token;
      const check = await verifyToken(token, policy);
      if (!check.ok) return { ok: false, reason: REASONS[check.reason] };
      return { ok: true, grant: check.expiresAt === undefined ? {} : { expiresAt: check.expiresAt } };
    },
  };
}

/** The close/refusal reason for each refusal (short: a close reason is at most 123 bytes). */
const REASONS: Record<TokenRefusal, string> = {
  expired: 'token expired',
  'not yet valid': 'token not valid now',
  'wrong audience': 'token not meant for the relay (aud)',
  'no expiry': 'token must carry exp',
  'bad signature': 'bad token signature',
  'wrong algorithm': 'token must use HS256',
  malformed: 'malformed token',
};

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
