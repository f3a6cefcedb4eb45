import type { MiddlewareHandler } from 'hono';
import { verifyToken, type TokenPolicy, type TokenRefusal } from '../common/tokens.js';
import { requestHeader } from './node-headers.js';
import { ApiProblem } from './problem.js';

// Bearer-token protection for writes: an HS256 JWT signed with API_JWT_SECRET and meant for API
// writes (its `aud` must be API_JWT_AUDIENCE), checked by the same function as the relay's tokens
// (common/tokens.ts). The API has no per-user permissions to derive from the other claims.

/** Options of requireBearer: the token policy (secret, audience, exp, clock tolerance). */
export type BearerOptions = TokenPolicy;

/** Middleware: 401 problem unless the request carries `Authorization: Bearer <valid token for the API>`. */
export function requireBearer(policy: BearerOptions): MiddlewareHandler {
  return async (c, next) => {
    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(requestHeader(c, 'authorization') ?? '');
    if (!match?.[1]) throw unauthorized(undefined, 'Send Authorization: Bearer <token> to change products.');
    const check = await verifyToken(match[1], policy);
    if (!check.ok) throw unauthorized(check.reason, detailOf(check.reason));
    await next();
  };
}

function detailOf(reason: TokenRefusal): string {
  switch (reason) {
    case 'expired':
      return 'The token has expired.';
    case 'wrong audience':
      return 'The token is not meant for API writes (its aud claim).';
    case 'no expiry':
      return 'The token must carry an expiry (exp).';
    default:
      return 'The token is not valid.';
  }
}

function unauthorized(reason: TokenRefusal | undefined, detail: string): ApiProblem {
  // RFC 6750: no error code when credentials are simply absent; invalid_token when they are bad.
  const challenge =
    reason === undefined ? 'Bearer realm="api"' : `Bearer realm="api", error="invalid_token", error_description="${reason}"`;
  return new ApiProblem(401, { detail, headers: { 'WWW-Authenticate': challenge } });
}
