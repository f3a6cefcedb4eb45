import type { MiddlewareHandler } from 'hono';
import { errors, jwtVerify } from 'jose';
import { ApiProblem } from './problem.js';

// Bearer-token protection for writes, the same scheme the relay uses for connections: an HS256 JWT
// signed with a shared secret. Only the signature, the algorithm and the time claims (exp, nbf) are
// checked; the API has no per-user permissions to derive from the claims.

/** Options of requireBearer. */
export interface BearerOptions {
  /** The HS256 secret tokens must be signed with. */
  secret: string;
  /** Clock tolerance for exp/nbf, in seconds. */
  clockToleranceSeconds?: number;
}

/** Middleware: 401 problem unless the request carries `Authorization: Bearer <valid HS256 JWT>`. */
export function requireBearer({ secret, clockToleranceSeconds = 5 }: BearerOptions): MiddlewareHandler {
  const key = new TextEncoder().encode(secret);
  return async (c, next) => {
    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(c.req.header('authorization') ?? '');
    if (!match?.[1]) throw unauthorized('missing', 'Send Authorization: Bearer <token> to change products.');
    try {
      await jwtVerify(match[1], key, { algorithms: ['HS256'], clockTolerance: clockToleranceSeconds });
    } catch (error) {
      const expired = error instanceof errors.JWTExpired;
      throw unauthorized(expired ? 'expired' : 'invalid', expired ? 'The token has expired.' : 'The token is not valid.', error);
    }
    await next();
  };
}

function unauthorized(reason: 'missing' | 'invalid' | 'expired', detail: string, cause?: unknown): ApiProblem {
  // RFC 6750: no error code when credentials are simply absent; invalid_token when they are bad.
  const challenge = reason === 'missing' ? 'Bearer realm="api"' : `Bearer realm="api", error="invalid_token", error_description="${reason}"`;
  return new ApiProblem(401, { detail, headers: { 'WWW-Authenticate': challenge }, cause });
}
