import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, ids, productEvent, startRelay, type TestRelay } from './relay-harness.js';

describe('live fan-out', () => {
  let relay: TestRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  it('welcomes a client with the protocol version, relay id, heartbeat and its subscription', async () => {
    relay = await startRelay({ heartbeatMs: 1234 });
    const client = await connect(relay.url, 'ops=insert,delete&where.talla=L');
    expect(client.messages[0]).toEqual({
      type: 'welcome',
      protocol: 1,
      relayId: relay.relay.hub.relayId,
      heartbeatMs: 1234,
      resume: 'none',
      subscription: { ops: ['insert', 'delete'], where: { talla: 'L' } },
    });
  });

  it('delivers every event pushed in one tick to every client, each as its own message, in order', async () => {
    relay = await startRelay();
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(relay!.url)));
    const events = Array.from({ length: 300 }, (_, n) => productEvent(n));
    for (const event of events) relay.source.push(event);
    for (const client of clients) expect(ids(await client.waitForEvents(300))).toEqual(ids(events));
    for (const client of clients) expect(client.events()).toEqual(events);
  });

  it('serialises each event once however many clients receive it', async () => {
    relay = await startRelay();
    const clients = await Promise.all(Array.from({ length: 50 }, (_, n) => connect(relay!.url, n % 2 ? 'ops=insert,update' : '')));
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      relay.source.push(Array.from({ length: 10 }, (_, n) => productEvent(n)));
      for (const client of clients) await client.waitForEvents(10);
      const serialisedEvents = stringify.mock.calls.filter(([value]) => (value as { type?: string } | null)?.type === 'event');
      expect(serialisedEvents).toHaveLength(10);
    } finally {
      stringify.mockRestore();
    }
  });

  it('gives each client only the operations and product fields it subscribed to', async () => {
    relay = await startRelay();
    const inserts = await connect(relay.url);
    const everything = await connect(relay.url, 'ops=insert,update,replace,delete');
    const sizeL = await connect(relay.url, 'ops=insert,update&where.talla=L');
    const events = [
      productEvent(0, { talla: 'L' }),
      productEvent(1, { talla: 'M' }),
      productEvent(2, { op: 'update', talla: 'L', changes: { updated: { precio: 3 }, removed: [] } }),
      productEvent(3, { op: 'delete' }),
    ];
    relay.source.push(events);
    await everything.waitForEvents(4);
    await sizeL.waitForEvents(2);
    await inserts.waitForEvents(2);
    expect(ids(inserts.events())).toEqual([events[0]!.id, events[1]!.id]);
    expect(ids(sizeL.events())).toEqual([events[0]!.id, events[2]!.id]);
    expect(relay.relay.hub.stats().groups).toBe(3);
  });

  it('reports the source status for /readyz', async () => {
    relay = await startRelay();
    expect(relay.relay.hub.ready).toBe(true);
    relay.source.setReady(false);
    expect(relay.relay.hub.ready).toBe(false);
    const port = new URL(relay.url).port;
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(response.status).toBe(503);
  });
});
