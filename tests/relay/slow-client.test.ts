import { afterEach, describe, expect, it } from 'vitest';
import { connect, ids, productEvent, startRelay, waitUntil, type TestRelay } from './helpers.js';

// A client that stops reading must be cut off without costing the others anything.

describe('slow clients', () => {
  let relay: TestRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  it('closes a client that stops reading with 4408 while the others receive every event', async () => {
    relay = await startRelay({ maxBufferedBytes: 64 * 1024 });
    const healthy = await Promise.all(Array.from({ length: 5 }, () => connect(relay!.url)));
    const stalled = await connect(relay.url);
    // Stop reading: the kernel buffers fill, then the relay's unsent bytes for this client grow.
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const nombre = 'x'.repeat(2_000);
    const events = Array.from({ length: 4_000 }, (_, n) => productEvent(n, { product: { ...productEvent(n).product!, nombre } }));
    for (let start = 0; start < events.length; start += 100) {
      relay.source.push(events.slice(start, start + 100));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitUntil(() => relay!.relay.hub.stats().slowClosed === 1, 'the stalled client to be closed');
    expect(relay.relay.hub.clientCount).toBe(5);
    (stalled.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code } = await stalled.closed;
    // 4408 when the close frame got through before the grace period ended, 1006 when it was cut.
    expect([4408, 1006]).toContain(code);
    for (const client of healthy) expect(ids(await client.waitForEvents(events.length))).toEqual(ids(events));
  });

  it('replays a long history to a resuming client at its own pace without closing it', async () => {
    relay = await startRelay({ maxBufferedBytes: 32 * 1024 });
    const events = Array.from({ length: 3_000 }, (_, n) => productEvent(n));
    relay.source.push(events);
    await waitUntil(() => relay!.relay.hub.stats().historyEvents === 3_000, 'history to fill');
    const client = await connect(relay.url, `since=${events[0]!.id}`);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', resume: 'resumed' });
    expect(ids(await client.waitForEvents(2_999))).toEqual(ids(events.slice(1)));
    expect(relay.relay.hub.stats().slowClosed).toBe(0);
  });
});
