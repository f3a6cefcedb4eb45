import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../contract/close-codes.js';
import { killConsumers, startConsumer } from './consumer-in-process.js';
import { productEvent, startScriptedRelay, type ScriptedRelay } from './scripted-relay.js';

// How the consumer follows the close-code table, the heartbeat and resets. A scripted relay makes
// each close code and failure happen on demand; it answers `?since=` from its own log like the relay.

let relay: ScriptedRelay | undefined;

afterEach(async () => {
  await killConsumers();
  await relay?.close();
  relay = undefined;
});

const fast = ['--retry-base-ms', '20', '--retry-cap-ms', '200'];
const product = (nombre: string) => ({ nombre, precio: 10, talla: 'M' });

describe('consumer reconnects', () => {
  it('comes back after a 1001 shutdown, resuming after the last event without printing it twice', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url, ...fast]);
    const first = await relay.connection(0);
    relay.publish(productEvent('insert', product('one')));
    const two = productEvent('insert', product('two'));
    relay.publish(two);
    await consumer.waitForLine('stdout', 'two');
    first.close(CloseCode.shutdown, 'relay shutting down');
    await consumer.waitForLine('stderr', /closed the connection with 1001 \(shutdown\): relay shutting down; reconnecting in/);

    const second = await relay.connection(1);
    relay.publish(productEvent('insert', product('three')));
    await consumer.waitForLine('stdout', 'three');
    expect(second.url.searchParams.get('since')).toBe(two.id);
    expect(consumer.stdout.filter(Boolean)).toEqual([
      '📱 Product created: one — 10.00 (M)',
      '📱 Product created: two — 10.00 (M)',
      '📱 Product created: three — 10.00 (M)',
    ]);
  });

  it('gets what it missed when the connection drops, resuming after the last event it printed', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url, ...fast]);
    const first = await relay.connection(0);
    const before = productEvent('insert', product('before'));
    relay.publish(before);
    await consumer.waitForLine('stdout', 'before');
    // Lost in flight: in the log, never delivered on this connection, which then dies without a
    // close frame (1006), as when the network drops.
    relay.append(productEvent('insert', product('lost in flight')));
    first.socket.terminate();
    const second = await relay.connection(1);
    expect(second.url.searchParams.get('since')).toBe(before.id);
    relay.publish(productEvent('insert', product('live again')));
    await consumer.waitForLine('stdout', 'live again');
    expect(consumer.stdout.filter(Boolean)).toEqual([
      '📱 Product created: before — 10.00 (M)',
      '📱 Product created: lost in flight — 10.00 (M)',
      '📱 Product created: live again — 10.00 (M)',
    ]);
    await consumer.waitForLine('stderr', /connection lost \(.*\); reconnecting in .*resuming after the last event/);
  });

  it.each([CloseCode.internal, CloseCode.slowClient, CloseCode.rateLimited, 1000, 1012, 1013])(
    'reconnects with backoff after close code %i',
    async (code) => {
      relay = await startScriptedRelay();
      const consumer = startConsumer(['--url', relay.url, ...fast]);
      (await relay.connection(0)).close(code, 'try later');
      await consumer.waitForLine('stderr', new RegExp(`closed the connection with ${code}.*reconnecting in \\d+\\.\\d s \\(attempt 1\\)`));
      await relay.connection(1);
    },
  );

  it('reconnects when the relay refuses the upgrade with 503', async () => {
    relay = await startScriptedRelay({ refuse: { status: 503, body: 'too many connections' } });
    const consumer = startConsumer(['--url', relay.url, ...fast]);
    await consumer.waitForLine('stderr', /attempt 2/);
    expect(consumer.stderr.join('\n')).toContain('relay refused the upgrade: HTTP 503: too many connections; reconnecting in');
    expect(relay.requests.length).toBeGreaterThanOrEqual(2);
  });
});

describe('consumer stops when retrying cannot help', () => {
  it.each([
    [CloseCode.badRequest, 'unknown parameter where.color', 'badRequest'],
    [CloseCode.unauthorized, 'token expired', 'unauthorized'],
    [CloseCode.policy, 'unknown client message', 'policy'],
  ])('exits 1 with the reason after close code %i', async (code, reason, name) => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url, ...fast]);
    (await relay.connection(0)).close(code, reason);
    expect(await consumer.exited).toEqual({ code: 1, signal: null });
    expect(consumer.stderr.join('\n')).toContain(`relay closed the connection with ${code} (${name}): ${reason}; not retrying`);
    expect(relay.requests).toHaveLength(1);
  });

  it.each([
    [401, 'invalid token', 'rejected the access token: HTTP 401: invalid token'],
    [403, 'origin not allowed', 'refused the connection (forbidden): HTTP 403: origin not allowed'],
  ])('exits 1 when the relay answers the upgrade with HTTP %i', async (status, body, message) => {
    relay = await startScriptedRelay({ refuse: { status, body } });
    const consumer = startConsumer(['--url', relay.url, '--token', 'x.y.z', ...fast]);
    expect(await consumer.exited).toEqual({ code: 1, signal: null });
    expect(consumer.stderr.join('\n')).toContain(message);
    expect(relay.requests).toHaveLength(1);
  });
});

describe('consumer heartbeat', () => {
  it('treats a relay that goes silent as dead and reconnects', async () => {
    // heartbeatMs 150: the consumer allows 300 ms of silence. This relay neither pings nor answers
    // the consumer's own ping, like a peer behind a dead NAT entry.
    relay = await startScriptedRelay({ autoPong: false, welcome: { heartbeatMs: 150 } });
    const consumer = startConsumer(['--url', relay.url, ...fast]);
    await consumer.waitForLine('stderr', 'no message or ping from the relay for 300 ms: connection considered dead; reconnecting in');
    await relay.connection(1);
  });

  it('stays connected to a quiet relay that answers its pings', async () => {
    // heartbeatMs 500: the consumer probes after 750 ms of silence and gives up at 1 s. Four answered
    // probes span three silence limits: without the pongs it would have reconnected.
    relay = await startScriptedRelay({ autoPong: true, welcome: { heartbeatMs: 500 } });
    startConsumer(['--url', relay.url, ...fast]);
    const connection = await relay.connection(0);
    const outcome = await Promise.race([
      new Promise<'kept'>((resolve) => {
        let probes = 0;
        connection.socket.on('ping', () => ++probes === 4 && resolve('kept'));
      }),
      relay.connection(1, 25_000).then(() => 'reconnected' as const),
    ]);
    expect(outcome).toBe('kept');
  });
});

describe('consumer reset', () => {
  it('prints a clear notice when its position is gone, then keeps printing live events', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url, '--since', 'DEADBEEF', ...fast]);
    const connection = await relay.connection(0);
    expect(connection.url.searchParams.get('since')).toBe('DEADBEEF');
    const notice = await consumer.waitForLine('stdout', 'Reset');
    expect(notice).toMatch(/Reset \(unknown-position\).*reload the snapshot \(GET \/api\/product\/\)/);
    relay.publish(productEvent('insert', product('after reset')));
    await consumer.waitForLine('stdout', 'after reset');
  });

  it('passes the reset through as a JSON line with --json', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url, '--since', 'DEADBEEF', '--json', ...fast]);
    const line = await consumer.waitForLine('stdout', '"reset"');
    expect(JSON.parse(line)).toEqual({ type: 'reset', reason: 'unknown-position', message: 'position not in history' });
  });
});
