// The one table of WebSocket close codes the relay uses. 1000–2999 are the protocol's own; 4000–4999
// belong to the application (RFC 6455 §7.4.2). Our 4xxx codes echo the HTTP status they resemble.
// `retry` tells a client what to do: reconnect (with backoff, resuming with `since`) or stop and
// report, because retrying the same request would fail the same way.

export const CloseCode = {
  /** The relay is shutting down or restarting: reconnect (to this or another instance). */
  shutdown: 1001,
  /** A client frame broke the WebSocket framing rules (ws enforces them: bad opcode, unmasked, …). */
  protocolError: 1002,
  /** A client text frame was not valid UTF-8 (ws enforces it). */
  invalidPayload: 1007,
  /** A client message came in more fragments than ws buffers (ws enforces it). */
  policyViolation: 1008,
  /** A client frame was larger than the relay accepts (ws enforces maxPayload). */
  tooBig: 1009,
  /** Unexpected relay error: reconnect with backoff. */
  internal: 1011,
  /** Bad connection request: unknown parameter, bad filter value, malformed `since`. */
  badRequest: 4400,
  /** The access token expired or was revoked while connected. */
  unauthorized: 4401,
  /** The client broke the protocol: an unknown or malformed client message. */
  policy: 4403,
  /** The client read too slowly: its unsent bytes passed the bound. Reconnect with `since`. */
  slowClient: 4408,
  /** The client sent messages faster than the per-client rate limit. */
  rateLimited: 4429,
} as const;
// No "overloaded" code: the relay never closes an open connection for load. At its connection limit,
// or while not ready, it answers the upgrade with HTTP 503 (retry); catch-up capacity queues clients.

export type CloseCodeName = keyof typeof CloseCode;
export type CloseCodeValue = (typeof CloseCode)[CloseCodeName];

/** What a client should do after each close code. */
export const closeCodeRetry: Record<CloseCodeValue, 'reconnect' | 'stop'> = {
  [CloseCode.shutdown]: 'reconnect',
  [CloseCode.protocolError]: 'stop',
  [CloseCode.invalidPayload]: 'stop',
  [CloseCode.policyViolation]: 'stop',
  [CloseCode.tooBig]: 'stop',
  [CloseCode.internal]: 'reconnect',
  [CloseCode.badRequest]: 'stop',
  [CloseCode.unauthorized]: 'stop',
  [CloseCode.policy]: 'stop',
  [CloseCode.slowClient]: 'reconnect',
  [CloseCode.rateLimited]: 'reconnect',
};

/**
 * Whether a client should reconnect after a close with this code. Codes not in the table (1006
 * abnormal closure, a proxy's 1012/1013, …) are network trouble: reconnect. A frame ws refused
 * (1002, 1007, 1008, 1009) would be refused again: stop.
 */
export function shouldReconnect(code: number): boolean {
  const known = (closeCodeRetry as Record<number, 'reconnect' | 'stop'>)[code];
  return known !== 'stop';
}
