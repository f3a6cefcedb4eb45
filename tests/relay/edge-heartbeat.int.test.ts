import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from './relay-harness.js';

// Dead peers: the relay pings every heartbeatMs and terminates a peer that did not answer the previous ping.

let edge: TestRelay | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await edge?.close();
  edge = undefined;
});

function connect(url: string, autoPong: boolean): { ws: WebSocket; pings: () => number; closed: Promise<number> } {
  const ws = new WebSocket(url, { autoPong });
  sockets.push(ws);
  let pings = 0;
  ws.on('ping', () => (pings += 1));
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return { ws, pings: () => pings, closed };
}

describe('relay heartbeat', () => {
  it('terminates a peer that does not answer pings, and keeps one that does', async () => {
    edge = await startRelay({ heartbeatMs: 200 });
    const silent = connect(`${edge.ws}/`, false);
    const alive = connect(`${edge.ws}/`, true);
    // Terminated without a close frame: the client sees an abnormal closure.
    expect(await silent.closed).toBe(1006);
    expect(silent.pings()).toBeGreaterThanOrEqual(1);
    await expect.poll(() => alive.pings() >= 3, { message: 'three pings', timeout: 10_000 }).toBe(true);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(edge.relay.hub.clientCount).toBe(1);
  });
});
