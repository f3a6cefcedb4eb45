import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../contract/close-codes.js';
import { connectOutcome, startRelay, type TestRelay } from './relay-harness.js';

// A `time:` position past what MongoDB can represent, or far in the future, is refused with a reason
// (4400: do not retry) rather than a 1011 the consumer retries forever, or a "resumed" welcome
// followed by silence until that moment.

let relay: TestRelay | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
});

describe('since=time: positions in the future', () => {
  it.each([
    ['the largest position there is', 'time:4294967295.4294967295'],
    ['a position an hour ahead', `time:${Math.floor(Date.now() / 1000) + 3600}.0`],
  ])('refuses %s with 4400 and a reason', async (_name, since) => {
    relay = await startRelay();
    const outcome = await connectOutcome(`${relay.ws}/?since=${since}`);
    expect(outcome).toMatchObject({ kind: 'closed', code: CloseCode.badRequest, reason: expect.stringMatching(/future/) });
  });

  it('still welcomes a position a moment old', async () => {
    relay = await startRelay();
    const ws = new WebSocket(`${relay.ws}/?since=time:${Math.floor(Date.now() / 1000) - 1}.0`);
    const first = await new Promise<{ type: string }>((resolve, reject) => {
      ws.once('message', (data) => resolve(JSON.parse(String(data)) as { type: string }));
      ws.once('close', (code) => reject(new Error(`closed with ${code}`)));
    });
    ws.terminate();
    expect(first.type).toBe('welcome');
  });
});
