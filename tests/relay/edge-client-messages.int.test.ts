import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../contract/close-codes.js';
import type { ServerMessage } from '../../contract/protocol.js';
import { connect, relayFixture, type TestClient, type TestRelay } from './relay-harness.js';

// What a client may send: application pings, within a rate, in small text frames. Anything else
// closes its connection with the documented code, and never disturbs other clients.

const fixture = relayFixture();
const clients = fixture.clients;
let edge: TestRelay | undefined;

async function client(): Promise<TestClient> {
  const opened = await connect(`${edge!.ws}/`);
  clients.push(opened);
  return opened;
}

const isPong = (message: ServerMessage): message is ServerMessage & { type: 'pong' } => message.type === 'pong';

describe('relay client messages', () => {
  it('answers {"type":"ping"} with {"type":"pong"}', async () => {
    edge = await fixture.start();
    const alice = await client();
    alice.ws.send(JSON.stringify({ type: 'ping' }));
    alice.ws.send(JSON.stringify({ type: 'ping' }));
    await expect.poll(() => alice.messages.filter(isPong).length === 2).toBe(true);
    expect(alice.ws.readyState).toBe(WebSocket.OPEN);
  });

  it.each([
    ['an unknown type', JSON.stringify({ type: 'subscribe', ops: ['delete'] })],
    ['extra fields on ping', JSON.stringify({ type: 'ping', extra: 1 })],
    ['malformed JSON', '{"type":'],
    ['a JSON array', '[]'],
    ['plain text', 'hello'],
  ])('closes with 4403 on %s', async (_name, text) => {
    edge = await fixture.start();
    const alice = await client();
    alice.ws.send(text);
    expect((await alice.closed).code).toBe(CloseCode.policy);
  });

  it('closes with 4403 on a binary message', async () => {
    edge = await fixture.start();
    const alice = await client();
    alice.ws.send(Buffer.from(JSON.stringify({ type: 'ping' })), { binary: true });
    expect(await alice.closed).toMatchObject({ code: CloseCode.policy, reason: 'binary messages are not accepted' });
  });

  it('closes with 1009 on a message larger than maxPayload', async () => {
    edge = await fixture.start({ maxPayload: 256 });
    const alice = await client();
    alice.ws.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(300) }));
    expect((await alice.closed).code).toBe(CloseCode.tooBig);
  });

  it('closes with 4429 a client that sends faster than its rate limit, and keeps the others', async () => {
    edge = await fixture.start({ clientMessagesPerSecond: 5 });
    const flooder = await client();
    const calm = await client();
    for (let i = 0; i < 50; i += 1) flooder.ws.send(JSON.stringify({ type: 'ping' }));
    expect((await flooder.closed).code).toBe(CloseCode.rateLimited);
    expect(flooder.messages.filter(isPong).length).toBeLessThanOrEqual(5);
    calm.ws.send(JSON.stringify({ type: 'ping' }));
    await calm.next(isPong);
    expect(calm.ws.readyState).toBe(WebSocket.OPEN);
  });
});
