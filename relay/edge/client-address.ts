import type { IncomingMessage } from 'node:http';

// Who a connection comes from, for the per-address connection limit. Behind a balancer every socket
// comes from the balancer, so the client's address is in X-Forwarded-For; but a client can write any
// X-Forwarded-For it likes, so the header is trusted only as far as the operator says proxies add to
// it (RELAY_TRUST_PROXY hops, 0 by default: the header is ignored). Each trusted proxy appends the
// address it saw, so with N hops the client is the N-th address from the right of
// [...X-Forwarded-For, socket address]; entries further left were written by the client itself.

/**
 * The address a request counts against: the socket's peer, or, with `trustedHops` > 0, the address
 * that many trusted proxies saw. Fewer forwarded addresses than hops means the chain is shorter than
 * configured: the leftmost one is used (it is still one a trusted proxy wrote).
 */
export function clientAddress(request: IncomingMessage, trustedHops: number): string {
  const peer = normalise(request.socket.remoteAddress ?? 'unknown');
  if (trustedHops === 0) return peer;
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  return normalise(chain[Math.max(0, chain.length - 1 - trustedHops)] ?? peer);
}

/** One spelling per address: an IPv4 client seen through a dual-stack socket counts as itself. */
function normalise(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice('::ffff:'.length) : lower;
}
