import { freePort } from '../../chaos/free-port.js';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../contract/close-codes.js';
import { encode } from '../../relay/delivery/frames.js';
import type { EventMessage, ServerMessage } from '../../contract/protocol.js';
import { connect, connectOutcome, insertEvent, relayFixture, signToken, type TestClient, type TestRelay } from './relay-harness.js';

// GET /metrics as an operator's Prometheus sees it: the text format, behind its own token (or on its own port), and numbers that
// move with what clients do (events delivered, closes by code, refusals by status, stream readiness).

const fixture = relayFixture();
const clients = fixture.clients;

async function client(edge: TestRelay, query = ''): Promise<TestClient> {
  const opened = await connect(`${edge.ws}/${query}`);
  clients.push(opened);
  return opened;
}

/** /metrics on the public port needs the operators' token (RELAY_METRICS_TOKEN). */
const METRICS = { metricsToken: 'operator-metrics-token-0123' };
const scraper = { authorization: `Bearer ${METRICS.metricsToken}` };

/** Scrapes /metrics into `name{labels}` → value. */
async function scrape(edge: TestRelay): Promise<Map<string, number>> {
  const response = await fetch(`${edge.http}/metrics`, { headers: scraper });
  expect(response.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Scrapes until `sample` reads `value` (a counter may move a moment after what the client saw). */
async function expectSample(edge: TestRelay, sample: string, value: number): Promise<void> {
  await expect.poll(async () => (await scrape(edge)).get(sample), { message: sample }).toBe(value);
}

const events = (message: ServerMessage[]) => message.filter((m): m is EventMessage => m.type === 'event');

/** Stops reading from the socket: the kernel's buffers fill, then the relay's. */
function stopReading(client: TestClient): void {
  (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
}

describe('relay /metrics', () => {
  it('is not served on the public port without RELAY_METRICS_TOKEN, and refuses a wrong token', async () => {
    const open = await fixture.start();
    expect((await fetch(`${open.http}/metrics`)).status).toBe(404);
    const guarded = await fixture.start(METRICS);
    expect((await fetch(`${guarded.http}/metrics`)).status).toBe(401);
    expect((await fetch(`${guarded.http}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
  });

  it('is served without a token on RELAY_METRICS_PORT, and not at all there for WebSockets', async () => {
    const metricsPort = await freePort();
    const edge = await fixture.start({ metricsPort, metricsHost: '127.0.0.1' });
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE relay_clients gauge');
    expect((await fetch(`${edge.http}/metrics`)).status).toBe(404);
  });

  it('answers in the Prometheus text format, with process metrics, with its own token (not the WebSocket one)', async () => {
    const edge = await fixture.start({ ...METRICS, jwtSecret: 'metrics-test-secret' });
    const response = await fetch(`${edge.http}/metrics`, { headers: scraper });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE relay_events_received_total counter');
    expect(text).toContain('# TYPE relay_clients gauge');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
    expect((await fetch(`${edge.http}/metrics`, { method: 'HEAD', headers: scraper })).status).toBe(200);
  });

  it('counts N events received and N deliveries to each of K clients, with their bytes', async () => {
    const edge = await fixture.start(METRICS);
    const [a, b, c] = [await client(edge), await client(edge), await client(edge)];
    const pushed = Array.from({ length: 5 }, (_, n) => insertEvent(n + 1));
    edge.source.push(pushed.slice(0, 2));
    edge.source.push(pushed.slice(2));
    for (const each of [a!, b!, c!]) await expect.poll(() => events(each.messages).length === 5).toBe(true);

    const samples = await scrape(edge);
    expect(samples.get('relay_events_received_total')).toBe(5);
    expect(samples.get('relay_event_deliveries_total')).toBe(15);
    const frameBytes = pushed.reduce((sum, event) => sum + encode(event).frame.length, 0);
    expect(samples.get('relay_delivered_bytes_total')).toBe(3 * frameBytes);
    expect(samples.get('relay_clients')).toBe(3);
    expect(samples.get('relay_connections_total')).toBe(3);
    expect(samples.get('relay_subscription_groups')).toBe(1);
    expect(samples.get('relay_history_events')).toBe(5);
    expect(samples.get('relay_history_bytes')).toBeGreaterThan(0);
  });

  it('counts a client closed as slow under code 4408, and the others keep receiving', async () => {
    const edge = await fixture.start({ ...METRICS, maxBufferedBytes: 64 * 1024 });
    const healthy = await client(edge);
    stopReading(await client(edge));
    const nombre = 'x'.repeat(2_000);
    const pushed = Array.from({ length: 4_000 }, (_, n) => {
      const event = insertEvent(n + 1);
      return { ...event, product: { ...event.product!, nombre } };
    });
    for (let start = 0; start < pushed.length; start += 100) {
      edge.source.push(pushed.slice(start, start + 100));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await expect
      .poll(() => events(healthy.messages).length === pushed.length, { message: 'the healthy client to get everything', timeout: 10_000 })
      .toBe(true);
    await expectSample(edge, `relay_clients_closed_total{code="${CloseCode.slowClient}"}`, 1);
    expect((await scrape(edge)).get('relay_events_received_total')).toBe(pushed.length);
  });

  it('counts closes by code: a bad URL (4400), a protocol violation (4403), a frame too large (1009)', async () => {
    const edge = await fixture.start({ ...METRICS, maxPayload: 256 });
    expect(await connectOutcome(`${edge.ws}/?ops=upsert`)).toMatchObject({ kind: 'closed', code: CloseCode.badRequest });
    const rude = await client(edge);
    rude.ws.send(JSON.stringify({ type: 'subscribe' }));
    expect((await rude.closed).code).toBe(CloseCode.policy);
    const big = await client(edge);
    big.ws.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(300) }));
    expect((await big.closed).code).toBe(CloseCode.tooBig);

    await expectSample(edge, `relay_clients_closed_total{code="${CloseCode.tooBig}"}`, 1);
    const samples = await scrape(edge);
    expect(samples.get(`relay_clients_closed_total{code="${CloseCode.badRequest}"}`)).toBe(1);
    expect(samples.get(`relay_clients_closed_total{code="${CloseCode.policy}"}`)).toBe(1);
    expect(samples.get(`relay_clients_closed_total{code="${CloseCode.slowClient}"}`)).toBe(0);
    expect(samples.get('relay_connections_total')).toBe(3);
  });

  it('counts upgrades refused by status: 401 without a token, 404 on another path', async () => {
    const edge = await fixture.start({ ...METRICS, jwtSecret: 'metrics-test-secret' });
    expect(await connectOutcome(`${edge.ws}/`)).toMatchObject({ kind: 'http', status: 401 });
    expect(await connectOutcome(`${edge.ws}/?access_token=not-a-jwt`)).toMatchObject({ kind: 'http', status: 401 });
    expect(await connectOutcome(`${edge.ws}/elsewhere`)).toMatchObject({ kind: 'http', status: 404 });
    const token = await signToken('metrics-test-secret', { expiresAt: '1h' });
    await client(edge, `?access_token=${token}`);

    const samples = await scrape(edge);
    expect(samples.get('relay_upgrades_refused_total{status="401"}')).toBe(2);
    expect(samples.get('relay_upgrades_refused_total{status="404"}')).toBe(1);
    expect(samples.get('relay_upgrades_refused_total{status="503"}')).toBe(0);
    expect(samples.get('relay_connections_total')).toBe(1);
  });

  it('follows the change stream: ready gauge, reopen count, clients held meanwhile', async () => {
    const edge = await fixture.start(METRICS);
    expect((await scrape(edge)).get('relay_change_stream_ready')).toBe(1);
    edge.source.setReady(false);
    // Resolves at its welcome, which waits for the stream to tail again.
    const held = connect(`${edge.ws}/`);
    await expectSample(edge, 'relay_clients_held', 1);
    const notReady = await scrape(edge);
    expect(notReady.get('relay_change_stream_ready')).toBe(0);
    expect(notReady.get('relay_change_stream_reopens_total')).toBe(0);

    edge.source.setReady(true);
    const ready = await scrape(edge);
    expect(ready.get('relay_change_stream_ready')).toBe(1);
    expect(ready.get('relay_change_stream_reopens_total')).toBe(1);
    expect(ready.get('relay_clients_held')).toBe(0);
    clients.push(await held);
  });

  it('counts resets by reason', async () => {
    const edge = await fixture.start(METRICS);
    const lost = await client(edge, '?since=82ABCDEF');
    await expect.poll(() => lost.messages.some((message) => message.type === 'reset')).toBe(true);
    const samples = await scrape(edge);
    expect(samples.get('relay_resets_total{reason="unknown-position"}')).toBe(1);
    expect(samples.get('relay_resets_total{reason="history-lost"}')).toBe(0);
  });

  it('counts the clients a drain closes with 1001, and says it is draining', async () => {
    // Two clients over 2 s: the first is closed at once, the second a second later, port open meanwhile.
    const edge = await fixture.start({ ...METRICS, drainMs: 2_000 });
    const [first] = [await client(edge), await client(edge)];
    const stopping = edge.close();
    expect((await first!.closed).code).toBe(CloseCode.shutdown);
    const samples = await scrape(edge);
    expect(samples.get(`relay_clients_closed_total{code="${CloseCode.shutdown}"}`)).toBe(1);
    expect(samples.get('relay_draining')).toBe(1);
    await stopping;
  });
});
