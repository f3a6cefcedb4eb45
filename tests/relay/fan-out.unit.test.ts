import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { createFanOut } from '../../relay/delivery/fan-out.js';
import { encode } from '../../relay/delivery/frames.js';
import { createHistory } from '../../relay/delivery/history.js';
import type { HubClient } from '../../relay/delivery/client-lifecycle.js';
import { createBufferWatcher } from '../../relay/delivery/buffer-watcher.js';
import type { EventMessage, Subscription } from '../../contract/protocol.js';
import { subscriptionKey } from '../../relay/delivery/subscription-match.js';
import { productEvent } from './relay-harness.js';

// The fan-out's write pattern, observed on stand-in sockets that record each write: one write per
// client per tick, the same Buffer for every client of a subscription, each event its own frame.

interface Recorder {
  ws: WebSocket;
  writes: Buffer[];
  /** Sets the unsent bytes the stand-in reports (a reader that stops or catches up). */
  setBuffered(bytes: number): void;
}

/** A stand-in for a ws WebSocket whose underlying socket records what is written to it. */
function recordingSocket(): Recorder {
  const writes: Buffer[] = [];
  const socket = Object.assign(new EventEmitter(), { destroyed: false, write: (chunk: Buffer) => (writes.push(chunk), true) });
  const ws = { readyState: 1, OPEN: 1, bufferedAmount: 0, _socket: socket, _sender: { _state: 0, _queue: [] }, _extensions: {} };
  return { ws: ws as unknown as WebSocket, writes, setBuffered: (bytes) => void (ws.bufferedAmount = bytes) };
}

const buffers = () => createBufferWatcher({ stallMs: 1_000 });

/** Splits unmasked server frames (as the relay writes them) into their text payloads. */
function textFrames(buffer: Buffer): string[] {
  const payloads: string[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    expect(buffer[offset]).toBe(0x81); // FIN + text
    let length = buffer[offset + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      length = buffer.readUInt16BE(offset + 2);
      header = 4;
    } else if (length === 127) {
      length = Number(buffer.readBigUInt64BE(offset + 2));
      header = 10;
    }
    payloads.push(buffer.subarray(offset + header, offset + header + length).toString());
    offset += header + length;
  }
  return payloads;
}

function client(subscription: Subscription): HubClient & Recorder {
  const recorder = recordingSocket();
  return { ...recorder, subscription, key: subscriptionKey(subscription), phase: 'live', nextSeq: 0, paused: null, welcomed: true };
}

describe('fan-out', () => {
  it('writes the events of one tick to each client in one write, shared by every client of a subscription', async () => {
    const history = createHistory({ maxEvents: 1000, maxBytes: 1 << 20 });
    const fanOut = createFanOut({ history, maxBufferedBytes: 1 << 20, closeSlow: () => expect.fail('nobody is slow'), buffers: buffers() });
    const inserts = [client({ ops: ['insert'], where: {} }), client({ ops: ['insert'], where: {} })];
    const sizeM = client({ ops: ['insert'], where: { talla: 'M' } });
    for (const each of [...inserts, sizeM]) fanOut.join(each, history.nextSeq);

    const events: EventMessage[] = Array.from({ length: 50 }, (_, n) => productEvent(n, { talla: n % 5 === 0 ? 'M' : 'L' }));
    for (const event of events) fanOut.add(history.append(event, encode(event)));
    await new Promise((resolve) => setImmediate(resolve));

    for (const each of [...inserts, sizeM]) expect(each.writes).toHaveLength(1);
    expect(inserts[0]!.writes[0]).toBe(inserts[1]!.writes[0]);
    expect(textFrames(inserts[0]!.writes[0]!).map((text) => (JSON.parse(text) as EventMessage).id)).toEqual(
      events.map((event) => event.id),
    );
    expect(textFrames(sizeM.writes[0]!).map((text) => (JSON.parse(text) as EventMessage).id)).toEqual(
      events.filter((_, n) => n % 5 === 0).map((event) => event.id),
    );
  });

  it('matches each event once per distinct subscription, not once per client', async () => {
    const history = createHistory({ maxEvents: 1000, maxBytes: 1 << 20 });
    const fanOut = createFanOut({ history, maxBufferedBytes: 1 << 20, closeSlow: () => {}, buffers: buffers() });
    const where = { talla: 'L' };
    let reads = 0;
    // Counts how often matching reads the subscription's conditions.
    const counted = new Proxy(where, { ownKeys: (target) => (reads++, Reflect.ownKeys(target)) });
    const members = Array.from({ length: 100 }, () => client({ ops: ['insert'], where: counted }));
    for (const member of members) fanOut.join(member, history.nextSeq);
    reads = 0;
    for (let n = 0; n < 10; n += 1) fanOut.add(history.append(productEvent(n), encode(productEvent(n))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toBe(10);
    for (const member of members) expect(textFrames(member.writes[0]!)).toHaveLength(10);
  });

  it('falls back to ws.send per message when an extension was negotiated', async () => {
    const history = createHistory({ maxEvents: 1000, maxBytes: 1 << 20 });
    const fanOut = createFanOut({ history, maxBufferedBytes: 1 << 20, closeSlow: () => expect.fail('nobody is slow'), buffers: buffers() });
    const compressed = client({ ops: ['insert'], where: {} });
    const sent: string[] = [];
    Object.assign(compressed.ws, { _extensions: { 'permessage-deflate': {} }, send: (data: Buffer) => sent.push(String(data)) });
    fanOut.join(compressed, history.nextSeq);
    for (let n = 0; n < 3; n += 1) fanOut.add(history.append(productEvent(n), encode(productEvent(n))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(compressed.writes).toHaveLength(0);
    expect(sent.map((text) => (JSON.parse(text) as EventMessage).id)).toEqual([0, 1, 2].map((n) => productEvent(n).id));
  });

  it('never writes past the bound: a full client is served later from the history, then closed if it stops reading', async () => {
    const history = createHistory({ maxEvents: 1000, maxBytes: 1 << 20 });
    let now = 0;
    const watcher = createBufferWatcher({ stallMs: 1_000, now: () => now });
    const closed: HubClient[] = [];
    const fanOut = createFanOut({
      history,
      maxBufferedBytes: 10_000,
      closeSlow: (slow) => (closed.push(slow), fanOut.leave(slow)),
      buffers: watcher,
    });
    const healthy = client({ ops: ['insert'], where: {} });
    const full = client({ ops: ['insert'], where: {} });
    fanOut.join(healthy, history.nextSeq);
    fanOut.join(full, history.nextSeq);
    const push = async (n: number) => {
      fanOut.add(history.append(productEvent(n), encode(productEvent(n))));
      await new Promise((resolve) => setImmediate(resolve));
    };

    full.setBuffered(9_900); // one more event would pass the bound
    await push(0);
    await push(1);
    expect(healthy.writes).toHaveLength(2);
    expect(full.writes).toHaveLength(0);

    full.setBuffered(0); // it read everything: the missed events follow, in one write
    await expect.poll(() => full.writes.length === 1, { message: 'the paused client to be served from the history' }).toBe(true);
    expect(textFrames(full.writes[0]!).map((text) => (JSON.parse(text) as EventMessage).id)).toEqual([
      productEvent(0).id,
      productEvent(1).id,
    ]);

    full.setBuffered(9_900);
    await push(2);
    now += 999; // not a byte drained, but not for long enough yet
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(closed).toEqual([]);
    now += 1;
    await expect.poll(() => closed.length === 1, { message: 'the stalled client to be closed' }).toBe(true);
    expect(closed).toEqual([full]);
    await push(3);
    expect(healthy.writes).toHaveLength(4);
    watcher.close();
  });
});
