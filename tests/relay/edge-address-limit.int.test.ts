import { describe, expect, it } from 'vitest';
import { connect, connectOutcome, relayFixture, type TestRelay } from './relay-harness.js';

// RELAY_MAX_CONNECTIONS_PER_IP: one client address cannot take every slot. Clients on other loopback
// addresses (127.0.0.2, …: all of 127/8 is local on Linux) stand for other machines; X-Forwarded-For
// counts only as far as RELAY_TRUST_PROXY says proxies wrote it.

const fixture = relayFixture();
const clients = fixture.clients;
const METRICS = { metricsToken: 'operator-metrics-token-0123' };

async function refusedWith429(edge: TestRelay): Promise<number> {
  const text = await (await fetch(`${edge.http}/metrics`, { headers: { authorization: `Bearer ${METRICS.metricsToken}` } })).text();
  const line = text.split('\n').find((entry) => entry.startsWith('relay_upgrades_refused_total{status="429"}'));
  return Number(line?.split(' ')[1]);
}

describe('relay upgrade: connections per client address', () => {
  it('answers 429 beyond RELAY_MAX_CONNECTIONS_PER_IP from one address while other addresses still connect, and counts it', async () => {
    const edge = await fixture.start({ maxConnectionsPerIp: 2, ...METRICS });
    clients.push(await connect(edge.url), await connect(edge.url));
    const refused = await connectOutcome(edge.url);
    expect(refused).toMatchObject({ kind: 'http', status: 429, body: 'too many connections from this address\n' });
    clients.push(await connect(edge.url, '', { options: { localAddress: '127.0.0.2' } }));
    expect(edge.relay.hub.clientCount).toBe(3);
    expect(await refusedWith429(edge)).toBe(1);
  });

  it('gives a slot back when one of the address’s connections closes', async () => {
    const edge = await fixture.start({ maxConnectionsPerIp: 1 });
    const first = await connect(edge.url);
    expect(await connectOutcome(edge.url)).toMatchObject({ kind: 'http', status: 429 });
    first.ws.close();
    await first.closed;
    await expect.poll(async () => (await connectOutcome(edge.url, {}, (ws) => ws.close())).kind).toBe('closed');
  });

  it('ignores X-Forwarded-For by default, so a client cannot dodge the limit by writing one', async () => {
    const edge = await fixture.start({ maxConnectionsPerIp: 1 });
    clients.push(await connect(edge.url, '', { options: { headers: { 'X-Forwarded-For': '203.0.113.1' } } }));
    expect(await connectOutcome(edge.url, { headers: { 'X-Forwarded-For': '203.0.113.2' } })).toMatchObject({ kind: 'http', status: 429 });
  });

  it('counts the address a trusted proxy forwarded (RELAY_TRUST_PROXY=1), not what the client wrote before it', async () => {
    const edge = await fixture.start({ maxConnectionsPerIp: 1, trustProxyHops: 1 });
    // Both come through the same proxy (this test's address): as two clients, both get in.
    clients.push(await connect(edge.url, '', { options: { headers: { 'X-Forwarded-For': '203.0.113.1' } } }));
    clients.push(await connect(edge.url, '', { options: { headers: { 'X-Forwarded-For': '203.0.113.2' } } }));
    // The proxy appends what it saw to whatever the client sent: the spoofed first entry does not count.
    expect(await connectOutcome(edge.url, { headers: { 'X-Forwarded-For': '198.51.100.7, 203.0.113.1' } })).toMatchObject({
      kind: 'http',
      status: 429,
    });
    expect(edge.relay.hub.clientCount).toBe(2);
  });
});
