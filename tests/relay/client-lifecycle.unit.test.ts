import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { silentLogger } from '../../common/logger.js';
import { createClientLifecycle, type HubClient } from '../../relay/delivery/client-lifecycle.js';
import type { FanOut } from '../../relay/delivery/fan-out.js';

// A client's life on stand-in sockets: what it is sent, in what order, as the hub and the catch-up
// pool move it on. The lifecycle is the only writer of its phase.

/** A stand-in for a ws WebSocket: records the text of every frame written to it. */
function socket() {
  const texts: string[] = [];
  const raw = Object.assign(new EventEmitter(), {
    destroyed: false,
    write: (chunk: Buffer) => (texts.push(chunk.subarray(chunk[1]! < 126 ? 2 : 4).toString()), true),
  });
  const ws = Object.assign(new EventEmitter(), {
    readyState: 1,
    OPEN: 1,
    bufferedAmount: 0,
    _socket: raw,
    _sender: { _state: 0, _queue: [] },
    _extensions: {},
    close: () => ws.emit('close'),
    terminate: () => ws.emit('close'),
  });
  return {
    ws: ws as unknown as WebSocket,
    types: () => texts.map((text) => (JSON.parse(text) as { type: string; reason?: string }).type),
    texts,
  };
}

function lifecycle(tailing: { now: boolean }) {
  const joined: { client: HubClient; fromSeq: number }[] = [];
  const fanOut = { join: (client: HubClient, fromSeq: number) => joined.push({ client, fromSeq }), leave: () => {} } as unknown as FanOut;
  const clients = createClientLifecycle({
    relayId: 'r',
    heartbeatMs: 1000,
    fanOut,
    isTailing: () => tailing.now,
    nextSeq: () => 7,
    detach: () => {},
    logger: silentLogger(),
  });
  return { clients, joined };
}

const subscription = { ops: ['insert' as const], where: {} };

describe('relay client lifecycle', () => {
  it('holds a client until the source tails, then sends its welcome first, the pong it asked for next, and feeds it from the head', () => {
    const tailing = { now: false };
    const { clients, joined } = lifecycle(tailing);
    const { ws, types } = socket();
    const client = clients.accept(ws, subscription)!;
    clients.startLive(client, 'welcome');
    expect(clients.deferPong(ws)).toBe(true);
    expect(types()).toEqual([]);
    expect(client.phase).toBe('held');
    tailing.now = true;
    clients.releaseHeld();
    expect(types()).toEqual(['welcome', 'pong']);
    expect(client.phase).toBe('live');
    expect(joined).toEqual([{ client, fromSeq: 7 }]);
    expect(clients.deferPong(ws)).toBe(false);
  });

  it('welcomes a client once, whatever path it takes: a catch-up reset after a resumed welcome sends only the reset', () => {
    const { clients } = lifecycle({ now: true });
    const { ws, types } = socket();
    const client = clients.accept(ws, subscription)!;
    clients.catchUp(client);
    clients.welcome(client, 'resumed');
    clients.welcome(client, 'reset');
    clients.startLive(client, clients.encodeReset('history-lost', 'gone'));
    expect(types()).toEqual(['welcome', 'reset']);
    expect(clients.resets.get('history-lost')).toBe(1);
  });

  it('sends a client held with a reset only the latest reset when the source lost its position again', () => {
    const tailing = { now: false };
    const { clients } = lifecycle(tailing);
    const { ws, texts } = socket();
    const client = clients.accept(ws, subscription)!;
    clients.catchUp(client);
    clients.welcome(client, 'reset');
    clients.startLive(client, clients.encodeReset('history-lost', 'first'));
    clients.resetAll('relay-position-lost', 'second');
    tailing.now = true;
    clients.releaseHeld();
    expect(texts.map((text) => JSON.parse(text))).toMatchObject([
      { type: 'welcome', resume: 'reset' },
      { type: 'reset', reason: 'relay-position-lost' },
    ]);
  });

  it('writes nothing more to a closed client and forgets it', () => {
    const { clients, joined } = lifecycle({ now: true });
    const { ws, types } = socket();
    const client = clients.accept(ws, subscription)!;
    clients.catchUp(client);
    clients.close(client, 4400, 'bye');
    clients.welcome(client, 'resumed');
    clients.join(client, 0);
    expect(types()).toEqual([]);
    expect(joined).toEqual([]);
    expect(client.phase).toBe('closed');
    expect(clients.count).toBe(0);
    expect(clients.closed.get(4400)).toBe(1);
  });
});
