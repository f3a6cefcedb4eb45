import { afterEach, describe, expect, it } from 'vitest';
import { createManualSource } from '../../relay/delivery/manual-source.js';
import type { EventMessage } from '../../contract/protocol.js';
import { createFakeLog, timeAt, type FakeLog } from './fake-log.js';
import { connect, ids, startRelay, type TestClient, type TestRelay } from './relay-harness.js';

// Positions older than the history, served by catch-up streams over a scripted log (fake-log.ts):
// handover to live without gap or duplicate, the bound on open streams, sharing, and resets.

describe('catch-up', () => {
  let relay: TestRelay | undefined;
  let log: FakeLog | undefined;
  afterEach(async () => {
    log?.stop();
    await relay?.close();
    relay = undefined;
    log = undefined;
  });

  async function start(config: { historyEvents?: number; maxCatchUpStreams?: number } = {}, initial = 0) {
    const source = createManualSource();
    log = createFakeLog(source, { initial });
    relay = await startRelay({ historyEvents: 50, ...config }, { source, catchUp: log.opener });
    return { relay, log };
  }

  /** Exactly the events after `since`, in order, up to the end of the log. */
  function expectedAfter(all: EventMessage[], since: string): string[] {
    return ids(all.slice(all.findIndex((event) => event.id === since) + 1));
  }

  async function writeInSteps(fake: FakeLog, steps: number, perStep: number): Promise<void> {
    for (let step = 0; step < steps; step += 1) {
      fake.write(perStep);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('hands a client over from catch-up to live without gap or duplicate while writes continue', async () => {
    const { relay, log } = await start({ historyEvents: 50 });
    log.write(500);
    await expect.poll(() => relay.relay.hub.stats().historyEvents === 50, { message: 'history to fill' }).toBe(true);
    const since = log.events[100]!.id;
    const client = await connect(relay.url, `since=${since}`);
    const writes = writeInSteps(log, 30, 10);
    await writes;
    const expected = expectedAfter(log.events, since);
    expect(ids(await client.waitForEvents(expected.length))).toEqual(expected);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', resume: 'resumed' });
    await expect.poll(() => log.openCursors === 0, { message: 'the catch-up stream to close' }).toBe(true);
  });

  it('never opens more catch-up streams than the bound when 200 clients resume from different positions', async () => {
    const { relay, log } = await start({ historyEvents: 20, maxCatchUpStreams: 4 });
    log.write(400);
    const positions = Array.from({ length: 200 }, (_, n) => log.events[n]!.id);
    const clients = await Promise.all(positions.map((since) => connect(relay.url, `since=${since}`, { waitWelcome: false })));
    await writeInSteps(log, 10, 10);
    for (const [n, client] of clients.entries()) {
      const expected = expectedAfter(log.events, positions[n]!);
      expect(ids(await client.waitForEvents(expected.length, 30_000))).toEqual(expected);
    }
    expect(log.peakOpenCursors).toBeLessThanOrEqual(4);
    expect(relay.relay.hub.stats().catchUp.peakOpen).toBeLessThanOrEqual(4);
    for (const client of clients) expect(client.messages[0]).toMatchObject({ type: 'welcome', resume: 'resumed' });
  });

  it('shares one catch-up stream between queued clients at the same or a nearby position', async () => {
    const { relay, log } = await start({ historyEvents: 10, maxCatchUpStreams: 1 });
    log.write(100);
    // The one slot is taken and held, so everyone else queues.
    log.pause();
    const first = await connect(relay.url, `since=${log.events[0]!.id}`, { waitWelcome: false });
    await expect.poll(() => log.openCursors === 1, { message: 'the first stream to open' }).toBe(true);
    const positions = [...Array.from({ length: 10 }, () => 5), ...Array.from({ length: 10 }, (_, n) => 10 + n)];
    const clients = await Promise.all(positions.map((n) => connect(relay.url, `since=${log.events[n]!.id}`, { waitWelcome: false })));
    await expect
      .poll(() => relay.relay.hub.stats().catchUp.queued === 11, { message: 'ten queued on one position, ten on their own' })
      .toBe(true);
    log.resume();
    expect(ids(await first.waitForEvents(99))).toEqual(ids(log.events.slice(1)));
    for (const [index, client] of clients.entries()) {
      expect(ids(await client.waitForEvents(99 - positions[index]!))).toEqual(ids(log.events.slice(positions[index]! + 1)));
      expect(client.messages[0]).toMatchObject({ type: 'welcome', resume: 'resumed' });
    }
    expect(log.opens).toBe(1);
  });

  it('resets a client whose position the log no longer holds, then delivers live events', async () => {
    const { relay, log } = await start({ historyEvents: 10 });
    log.write(100);
    log.forget(50);
    const client = await connect(relay.url, `since=${log.events[10]!.id}`);
    await expect.poll(() => client.messages.length >= 2, { message: 'reset' }).toBe(true);
    expect(client.messages[0]).toMatchObject({ type: 'welcome', resume: 'reset' });
    expect(client.messages[1]).toMatchObject({ type: 'reset', reason: 'history-lost' });
    const next = log.write(3);
    expect(ids(await client.waitForEvents(3))).toEqual(ids(next));
  });

  it('resets a client whose position is unknown', async () => {
    const { relay, log } = await start();
    log.write(10);
    const client = await connect(relay.url, 'since=ABCDEF0123');
    await expect.poll(() => client.messages.length >= 2, { message: 'reset' }).toBe(true);
    expect(client.messages.slice(0, 2)).toMatchObject([
      { type: 'welcome', resume: 'reset' },
      { type: 'reset', reason: 'unknown-position' },
    ]);
  });

  it('joins live on a quiet relay that has delivered nothing since it started', async () => {
    // The log has 100 events from before the relay started; the live feed has seen none of them.
    const { relay, log } = await start({ historyEvents: 50 }, 100);
    const atHead = await connect(relay.url, `since=${log.events[99]!.id}`);
    const behind = await connect(relay.url, `since=${log.events[49]!.id}`);
    await behind.waitForEvents(50);
    await expect.poll(() => relay.relay.hub.stats().catchUp.open === 0, { message: 'both catch-ups to hand over' }).toBe(true);
    const next = log.write(2);
    expect(ids(await atHead.waitForEvents(2))).toEqual(ids(next));
    expect(ids(await behind.waitForEvents(52))).toEqual(ids(log.events.slice(50)));
  });

  it('waits for a lagging live feed to reach a position from ahead of it, then continues without duplicates', async () => {
    const { relay, log } = await start({ historyEvents: 100 });
    log.write(50);
    log.write(30, { live: false }); // written, but the live feed has not delivered them yet
    const ahead = await connect(relay.url, `since=${log.events[79]!.id}`);
    const between = await connect(relay.url, `since=${log.events[60]!.id}`);
    await between.waitForEvents(19);
    await expect
      .poll(() => relay.relay.hub.stats().catchUp.waiting === 2, { message: 'both clients to wait for the live feed' })
      .toBe(true);
    log.catchUpLive();
    const next = log.write(5);
    expect(ids(await ahead.waitForEvents(5))).toEqual(ids(next));
    expect(ids(await between.waitForEvents(24))).toEqual(ids(log.events.slice(61)));
    await settle([ahead, between]);
    expect(ahead.events()).toHaveLength(5);
  });

  it('places snapshot time positions ahead of a lagging live feed without delivering older events', async () => {
    const { relay, log } = await start({ historyEvents: 100 });
    log.write(50);
    log.write(30, { live: false });
    const [behindHead, atHead] = [timeAt(69), timeAt(79)];
    const caughtUp = await connect(relay.url, `since=time:${behindHead.t}.${behindHead.i}`);
    const current = await connect(relay.url, `since=time:${atHead.t}.${atHead.i}`);
    await caughtUp.waitForEvents(10);
    await expect
      .poll(() => relay.relay.hub.stats().catchUp.waiting === 2, { message: 'both clients to wait for the live feed' })
      .toBe(true);
    log.catchUpLive();
    log.write(3);
    expect(ids(await caughtUp.waitForEvents(13))).toEqual(ids(log.events.slice(70)));
    expect(ids(await current.waitForEvents(3))).toEqual(ids(log.events.slice(80)));
    await settle([caughtUp, current]);
    expect(caughtUp.events()).toHaveLength(13);
    expect(current.events()).toHaveLength(3);
  });

  it('serves a snapshot time position from the history without opening a stream', async () => {
    const { relay, log } = await start({ historyEvents: 100 });
    log.write(40);
    const snapshot = timeAt(29);
    const client = await connect(relay.url, `since=time:${snapshot.t}.${snapshot.i}`);
    log.write(2);
    expect(ids(await client.waitForEvents(12))).toEqual(ids(log.events.slice(30)));
    expect(log.opens).toBe(0);
  });

  it('serves a position again after every client that queued for it left', async () => {
    const { relay, log } = await start({ historyEvents: 10, maxCatchUpStreams: 1 });
    log.write(60);
    log.pause();
    const first = await connect(relay.url, `since=${log.events[40]!.id}`, { waitWelcome: false });
    await expect.poll(() => log.openCursors === 1, { message: 'the slot to be taken' }).toBe(true);
    const quitter = await connect(relay.url, `since=${log.events[2]!.id}`, { waitWelcome: false });
    await expect.poll(() => relay.relay.hub.stats().catchUp.queued === 1, { message: 'the request to queue' }).toBe(true);
    quitter.close();
    await expect.poll(() => relay.relay.hub.stats().catchUp.queued === 0, { message: 'the abandoned request to be dropped' }).toBe(true);
    log.resume();
    await first.waitForEvents(19);
    const later = await connect(relay.url, `since=${log.events[2]!.id}`);
    expect(ids(await later.waitForEvents(57))).toEqual(ids(log.events.slice(3)));
  });

  it('resets clients that are catching up when the live feed loses its own position', async () => {
    const { relay, log } = await start({ historyEvents: 10, maxCatchUpStreams: 1 });
    log.write(50);
    log.pause();
    const reading = await connect(relay.url, `since=${log.events[5]!.id}`, { waitWelcome: false });
    const queued = await connect(relay.url, `since=${log.events[7]!.id}`, { waitWelcome: false });
    await expect.poll(() => relay.relay.hub.stats().catchUp.queued === 1, { message: 'one stream open, one request queued' }).toBe(true);
    relay.source.reset('relay-position-lost', 'lost');
    log.resume();
    const next = log.write(2);
    for (const client of [reading, queued]) {
      expect(ids(await client.waitForEvents(2))).toEqual(ids(next));
      expect(client.messages.slice(0, 2)).toMatchObject([
        { type: 'welcome', resume: 'reset' },
        { type: 'reset', reason: 'relay-position-lost' },
      ]);
    }
    expect(relay.relay.hub.stats().catchUp).toMatchObject({ queued: 0, waiting: 0 });
  });

  it('closes its catch-up streams when the relay closes', async () => {
    const { relay, log } = await start({ historyEvents: 10, maxCatchUpStreams: 2 });
    log.write(50);
    log.pause();
    await Promise.all([0, 1, 2].map((n) => connect(relay.url, `since=${log.events[n * 5]!.id}`, { waitWelcome: false })));
    await expect.poll(() => log.openCursors === 2, { message: 'two streams to open' }).toBe(true);
    await relay.close();
    log.resume();
    await expect.poll(() => log.openCursors === 0, { message: 'every catch-up stream to close' }).toBe(true);
    expect(log.peakOpenCursors).toBe(2);
  });
});

/** Lets in-flight messages arrive (a round trip through each client's socket). */
async function settle(clients: TestClient[]): Promise<void> {
  await Promise.all(clients.map((client) => new Promise<void>((resolve) => client.ws.ping(undefined, undefined, () => resolve()))));
}
