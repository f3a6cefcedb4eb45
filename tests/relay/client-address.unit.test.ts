import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../relay/edge/client-address.js';

// Which address a connection counts against for RELAY_MAX_CONNECTIONS_PER_IP.

const request = (peer: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe('client address', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress(request('10.0.0.5', '203.0.113.9'), 0)).toBe('10.0.0.5');
  });

  it('is the address the outermost trusted proxy saw, ignoring what the client prepended', () => {
    // client → proxy A (appends the client, 203.0.113.9) → proxy B (appends A, 10.0.0.2) → relay (peer B).
    const chain = request('10.0.0.3', '198.51.100.1, 203.0.113.9, 10.0.0.2');
    expect(clientAddress(chain, 1)).toBe('10.0.0.2');
    expect(clientAddress(chain, 2)).toBe('203.0.113.9');
  });

  it('uses the leftmost forwarded address when the chain is shorter than the hops configured', () => {
    expect(clientAddress(request('10.0.0.3', '203.0.113.9'), 3)).toBe('203.0.113.9');
    expect(clientAddress(request('10.0.0.3'), 1)).toBe('10.0.0.3');
  });

  it('counts an IPv4 client seen through a dual-stack socket as the same address', () => {
    expect(clientAddress(request('::ffff:127.0.0.1'), 0)).toBe('127.0.0.1');
    expect(clientAddress(request('::FFFF:10.0.0.1', '::ffff:203.0.113.9'), 1)).toBe('203.0.113.9');
  });
});
