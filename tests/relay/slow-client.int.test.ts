import { afterEach, describe, expect, it } from 'vitest';
import { connect, ids, productEvent, recordingLogger, startRelay, type TestClient, type TestRelay } from './relay-harness.js';

// Clients that stop reading must be cut off without costing the others anything; clients that are
// merely behind (a burst larger than their bound, a long replay) must be paced, not cut off.

/** Stops (or resumes) reading from the socket: the kernel buffers fill, then the relay's. */
function setReading(client: TestClient, reading: boolean): void {
  const socket = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  if (reading) socket.resume();
  else socket.pause();
}

describe('slow clients', () => {
  let relay: TestRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  it('closes clients that stop reading with 4408 while the others receive every event', async () => {
    // A generous stall time: on a loaded machine a healthy reader in this process may not run for a
    // while; only the clients that never read again must be closed.
    relay = await startRelay({ maxBufferedBytes: 64 * 1024, stallMs: 3_000 });
    const healthy = await Promise.all(Array.from({ length: 10 }, () => connect(relay!.url)));
    const stalled = await Promise.all(Array.from({ length: 10 }, () => connect(relay!.url)));
    for (const client of stalled) setReading(client, false);
    const nombre = 'x'.repeat(2_000);
    const events = Array.from({ length: 4_000 }, (_, n) => productEvent(n, { product: { ...productEvent(n).product!, nombre } }));
    for (let start = 0; start < events.length; start += 100) {
      relay.source.push(events.slice(start, start + 100));
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const client of healthy) expect(ids(await client.waitForEvents(events.length))).toEqual(ids(events));
    await expect.poll(() => relay!.relay.hub.stats().slowClosed === 10, { message: 'the stalled clients to be closed' }).toBe(true);
    expect(relay.relay.hub.clientCount).toBe(10);
    for (const client of stalled) setReading(client, true);
    for (const client of stalled) {
      const { code } = await client.closed;
      // 4408 when the close frame got through before the grace period ended, 1006 when it was cut.
      expect([4408, 1006]).toContain(code);
      // What it did receive is a prefix of the feed: nothing skipped, nothing out of order.
      expect(ids(client.events())).toEqual(ids(events.slice(0, client.events().length)));
    }
  });

  it('paces a reading client through a burst larger than its bound instead of closing it', async () => {
    relay = await startRelay({ maxBufferedBytes: 32 * 1024 });
    const clients = await Promise.all(Array.from({ length: 5 }, () => connect(relay!.url)));
    const nombre = 'y'.repeat(1_000);
    const events = Array.from({ length: 3_000 }, (_, n) => productEvent(n, { product: { ...productEvent(n).product!, nombre } }));
    relay.source.push(events); // ~3 MB in one tick, a hundred times the bound
    for (const client of clients) expect(ids(await client.waitForEvents(events.length))).toEqual(ids(events));
    expect(relay.relay.hub.stats().slowClosed).toBe(0);
  });

  it('replays a long history to a resuming client at its own pace without closing it', async () => {
    relay = await startRelay({ maxBufferedBytes: 32 * 1024 });
    const events = Array.from({ length: 3_000 }, (_, n) => productEvent(n));
    relay.source.push(events);
    await expect.poll(() => relay!.relay.hub.stats().historyEvents === 3_000, { message: 'history to fill' }).toBe(true);
    const client = await connect(relay.url, `since=${events[0]!.id}`);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', resume: 'resumed' });
    expect(ids(await client.waitForEvents(2_999))).toEqual(ids(events.slice(1)));
    expect(relay.relay.hub.stats().slowClosed).toBe(0);
  });

  it('closes a client that falls out of the history while behind', async () => {
    const { logger, records } = recordingLogger();
    relay = await startRelay({ maxBufferedBytes: 16 * 1024, historyEvents: 100 }, { logger });
    const reader = await connect(relay.url);
    const lagging = await connect(relay.url);
    setReading(lagging, false);
    const nombre = 'z'.repeat(2_000);
    const events = Array.from({ length: 5_000 }, (_, n) => productEvent(n, { product: { ...productEvent(n).product!, nombre } }));
    // Pushed in steps, each within the stall time, so only the history bound can close the lagging client.
    for (let start = 0; start < events.length; start += 50) {
      relay.source.push(events.slice(start, start + 50));
      await new Promise((resolve) => setImmediate(resolve));
      if (relay.relay.hub.stats().slowClosed > 0) break;
    }
    await expect.poll(() => relay!.relay.hub.stats().slowClosed === 1, { message: 'the lagging client to be closed' }).toBe(true);
    expect(records.find((record) => record.msg === 'closing a slow client')).toMatchObject({
      reason: 'client fell behind the relay history',
    });
    expect(relay.relay.hub.clientCount).toBe(1);
    expect(reader.ws.readyState).toBe(reader.ws.OPEN);
  });
});
