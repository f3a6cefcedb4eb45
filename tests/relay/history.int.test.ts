import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '../../relay/delivery/frames.js';
import { createHistory } from '../../relay/delivery/history.js';
import { connect, ids, productEvent, startRelay, type TestRelay } from './relay-harness.js';

describe('history', () => {
  it('keeps at most the configured number of events, dropping the oldest', () => {
    const history = createHistory({ maxEvents: 3, maxBytes: 1 << 20 });
    for (let n = 0; n < 5; n += 1) history.append(productEvent(n), encode(productEvent(n)));
    expect(history.size).toBe(3);
    expect(history.seqOf(productEvent(1).id)).toBeUndefined();
    expect(history.seqOf(productEvent(2).id)).toBe(2);
    expect(history.at(4)?.event.id).toBe(productEvent(4).id);
    expect(history.oldestSeq).toBe(2);
  });

  it('keeps at most the configured number of bytes', () => {
    const frameBytes = encode(productEvent(0)).frame.length;
    const history = createHistory({ maxEvents: 1000, maxBytes: frameBytes * 2 + 10 });
    for (let n = 0; n < 10; n += 1) history.append(productEvent(n), encode(productEvent(n)));
    expect(history.size).toBe(2);
    expect(history.bytes).toBeLessThanOrEqual(frameBytes * 2 + 10);
    expect(history.oldestSeq).toBe(8);
  });

  it('finds the first event after a cluster time only when it reaches back to that time', () => {
    const history = createHistory({ maxEvents: 3, maxBytes: 1 << 20 });
    for (let n = 0; n < 5; n += 1) history.append(productEvent(n), encode(productEvent(n)), { t: 10, i: n });
    // Held: i = 2, 3, 4.
    expect(history.firstAfterTime({ t: 10, i: 2 })).toBe(3);
    expect(history.firstAfterTime({ t: 10, i: 3 })).toBe(4);
    expect(history.firstAfterTime({ t: 10, i: 4 })).toBeUndefined();
    expect(history.firstAfterTime({ t: 10, i: 1 })).toBeUndefined();
    expect(history.firstAfterTime({ t: 9, i: 99 })).toBeUndefined();
  });

  it('keeps numbering after being cleared', () => {
    const history = createHistory({ maxEvents: 10, maxBytes: 1 << 20 });
    history.append(productEvent(0), encode(productEvent(0)));
    history.clear();
    expect(history.size).toBe(0);
    expect(history.append(productEvent(1), encode(productEvent(1))).seq).toBe(1);
  });
});

describe('positions served from the history', () => {
  let relay: TestRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  it('replays every event after a held id, then live, with no gap or duplicate under concurrent pushes', async () => {
    relay = await startRelay();
    const events = Array.from({ length: 400 }, (_, n) => productEvent(n));
    relay.source.push(events.slice(0, 200));
    await expect.poll(() => relay!.relay.hub.stats().historyEvents === 200, { message: 'history' }).toBe(true);
    const connecting = connect(relay.url, `since=${events[49]!.id}`);
    for (let start = 200; start < 400; start += 20) {
      relay.source.push(events.slice(start, start + 20));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const client = await connecting;
    expect(client.messages[0]).toMatchObject({ type: 'welcome', resume: 'resumed' });
    expect(ids(await client.waitForEvents(350))).toEqual(ids(events.slice(50)));
  });

  it('answers a position it cannot serve with a reset, then live events', async () => {
    relay = await startRelay();
    relay.source.push([productEvent(0)]);
    const client = await connect(relay.url, 'since=0123ABCD');
    expect(client.messages.slice(0, 2)).toMatchObject([
      { type: 'welcome', resume: 'reset' },
      { type: 'reset', reason: 'unknown-position' },
    ]);
    relay.source.push([productEvent(1)]);
    expect(ids(await client.waitForEvents(1))).toEqual([productEvent(1).id]);
  });

  it('tells every client to reset when the source loses its position, after the events before it', async () => {
    relay = await startRelay();
    const clients = await Promise.all([connect(relay.url), connect(relay.url)]);
    relay.source.push([productEvent(0), productEvent(1)]);
    relay.source.reset('relay-position-lost', 'lost');
    relay.source.push([productEvent(2)]);
    for (const client of clients) {
      await client.waitForEvents(3);
      expect(client.messages.slice(1).map((message) => (message.type === 'event' ? message.id : message.type))).toEqual([
        productEvent(0).id,
        productEvent(1).id,
        'reset',
        productEvent(2).id,
      ]);
    }
    // The old history is gone: resuming from before the reset is itself a reset.
    const late = await connect(relay.url, `since=${productEvent(0).id}`);
    expect(late.messages[1]).toMatchObject({ type: 'reset' });
  });

  it('does not deliver an event twice when the source repeats it after reopening', async () => {
    relay = await startRelay();
    const client = await connect(relay.url);
    relay.source.push([productEvent(0), productEvent(1)]);
    relay.source.push([productEvent(1), productEvent(2)]);
    expect(ids(await client.waitForEvents(3))).toEqual(ids([productEvent(0), productEvent(1), productEvent(2)]));
    relay.source.push([productEvent(3)]);
    expect(ids(await client.waitForEvents(4))).toHaveLength(4);
  });
});
