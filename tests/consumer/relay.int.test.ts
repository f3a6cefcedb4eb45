import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { RELAY_AUDIENCE } from '../../common/tokens.js';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { PositionLostError, type CatchUpOpener } from '../../relay/delivery/catch-up-source.js';
import { relayConfig, type RelayConfig } from '../../relay/config.js';
import { createManualSource, type ManualSource } from '../../relay/delivery/manual-source.js';
import type { EventMessage } from '../../contract/protocol.js';
import { createRelay, type Relay } from '../../relay/relay.js';
import { killConsumers, startConsumer } from './consumer-in-process.js';
import { productEvent } from './scripted-relay.js';
import { tamperSignature } from '../harness/tampered-token.js';

// The consumer CLI against the real relay, fed through its manual event source (the same fan-out
// path as change-stream events). No MongoDB is involved: this suite is about the consumer.

const relays: Relay[] = [];
let directory: string | undefined;

afterEach(async () => {
  await killConsumers();
  await Promise.all(relays.splice(0).map((relay) => relay.close()));
  if (directory) await rm(directory, { recursive: true, force: true });
  directory = undefined;
});

/** A relay on 127.0.0.1 with a manual source (and optionally catch-up from a log). */
async function startRelay(options: { config?: Partial<RelayConfig>; catchUp?: CatchUpOpener; port?: number } = {}) {
  const source = createManualSource();
  const config = relayConfig({ host: '127.0.0.1', port: 0, drainMs: 20, ...options.config });
  const relay = createRelay({ config, source, logger: silentLogger(), ...(options.catchUp ? { catchUp: options.catchUp } : {}) });
  relays.push(relay);
  const port = await relay.listen(options.port ?? 0, '127.0.0.1');
  return { relay, source, port, url: `ws://127.0.0.1:${port}` };
}

/** Catch-up from an in-memory log, the way a change stream opened with startAfter reads the oplog. */
function catchUpFrom(log: EventMessage[]): CatchUpOpener {
  return {
    open(start) {
      let next: number | undefined;
      return {
        async next() {
          if (next === undefined) {
            const at = 'afterId' in start ? log.findIndex((event) => event.id === start.afterId) : -1;
            if (at < 0) throw new PositionLostError('unknown-position', 'not in the log');
            next = at + 1;
          }
          const batch = log.slice(next).map((event) => ({ event }));
          next += batch.length;
          // At the head: the contract is to wait a little before answering "nothing more".
          if (batch.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
          return batch;
        },
        async close() {},
      };
    },
  };
}

const iphone = { nombre: 'iPhone 15', precio: 999.99, talla: 'L' };
const fast = ['--retry-base-ms', '20', '--retry-cap-ms', '200'];
const printed = (lines: string[]) => lines.filter(Boolean);

describe('consumer with the real relay', () => {
  it('prints the created line for a product the relay receives', async () => {
    const { source, url } = await startRelay();
    const consumer = startConsumer(['--url', url]);
    await consumer.waitForLine('stderr', 'connected to');
    source.push(productEvent('insert', iphone));
    expect(await consumer.waitForLine('stdout', 'Product created')).toBe('📱 Product created: iPhone 15 — 999.99 (L)');
  });

  it('prints updates and deletes when asked for them, and only the products matching --where', async () => {
    const { source, url } = await startRelay();
    const consumer = startConsumer(['--url', url, '--ops', 'insert,update', '--where', 'talla=L']);
    await consumer.waitForLine('stderr', 'connected to');
    source.push([
      productEvent('insert', { ...iphone, nombre: 'Galaxy S24', talla: 'M' }),
      productEvent('insert', iphone),
      productEvent('update', { ...iphone, precio: 899 }),
      productEvent('delete', iphone),
    ]);
    const all = startConsumer(['--url', url, '--ops', 'delete']);
    await all.waitForLine('stderr', 'connected to');
    source.push(productEvent('delete', iphone, 'c'.repeat(24)));
    source.push(productEvent('insert', { ...iphone, nombre: 'last' }));
    await consumer.waitForLine('stdout', 'last');
    expect(printed(consumer.stdout)).toEqual([
      '📱 Product created: iPhone 15 — 999.99 (L)',
      '✏️ Product updated: iPhone 15 — 899.00 (L) · changed precio',
      '📱 Product created: last — 999.99 (L)',
    ]);
    expect(await all.waitForLine('stdout', 'deleted')).toBe(`🗑️ Product deleted: ${'c'.repeat(24)}`);
  });

  it('prints the relay messages themselves with --json', async () => {
    const { source, url } = await startRelay();
    const consumer = startConsumer(['--url', url, '--json']);
    await consumer.waitForLine('stderr', 'connected to');
    const events = [productEvent('insert', iphone), productEvent('insert', { ...iphone, nombre: 'Pixel 9' })];
    source.push(events);
    await consumer.waitForLine('stdout', 'Pixel 9');
    expect(printed(consumer.stdout).map((line) => JSON.parse(line))).toEqual(events);
  });

  it('continues after a restart from its --state-file, printing what it missed and nothing twice', async () => {
    directory = await mkdtemp(join(tmpdir(), 'consumer-relay-'));
    const stateFile = join(directory, 'position');
    const { source, url } = await startRelay();
    const first = startConsumer(['--url', url, '--state-file', stateFile, ...fast]);
    await first.waitForLine('stderr', 'connected to');
    source.push([productEvent('insert', { ...iphone, nombre: 'one' }), productEvent('insert', { ...iphone, nombre: 'two' })]);
    await first.waitForLine('stdout', 'two');
    first.signal('SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    source.push(productEvent('insert', { ...iphone, nombre: 'three' }));
    const second = startConsumer(['--url', url, '--state-file', stateFile, ...fast]);
    await second.waitForLine('stderr', /connected to .*resuming after the last position/);
    source.push(productEvent('insert', { ...iphone, nombre: 'four' }));
    await second.waitForLine('stdout', 'four');
    expect(printed(second.stdout)).toEqual(['📱 Product created: three — 999.99 (L)', '📱 Product created: four — 999.99 (L)']);
  });

  it('comes back on its own when the relay restarts (1001), catching up without gap or duplicate', async () => {
    const log: EventMessage[] = [];
    const publish = (source: ManualSource, nombre: string) => {
      const event = productEvent('insert', { ...iphone, nombre });
      log.push(event);
      source.push(event);
    };
    const before = await startRelay({ catchUp: catchUpFrom(log) });
    const consumer = startConsumer(['--url', before.url, ...fast]);
    await consumer.waitForLine('stderr', 'connected to');
    publish(before.source, 'one');
    publish(before.source, 'two');
    await consumer.waitForLine('stdout', 'two');

    await before.relay.close();
    await consumer.waitForLine('stderr', /closed the connection with 1001 \(shutdown\)/);
    log.push(productEvent('insert', { ...iphone, nombre: 'three, written while the relay was down' }));
    const after = await startRelay({ catchUp: catchUpFrom(log), port: before.port });
    publish(after.source, 'four');
    await consumer.waitForLine('stdout', 'four');
    publish(after.source, 'five');
    await consumer.waitForLine('stdout', 'five');
    expect(printed(consumer.stdout).map((line) => line.replace(/^📱 Product created: (.*) — .*$/, '$1'))).toEqual([
      'one',
      'two',
      'three, written while the relay was down',
      'four',
      'five',
    ]);
  });

  it('keeps retrying until a relay that is not up yet starts, then prints its events', async () => {
    const probe = await startRelay();
    await probe.relay.close();
    const consumer = startConsumer(['--url', probe.url, ...fast]);
    await consumer.waitForLine('stderr', /connection lost \(connect ECONNREFUSED .*\); reconnecting in/);
    const { source } = await startRelay({ port: probe.port });
    await consumer.waitForLine('stderr', 'connected to');
    source.push(productEvent('insert', iphone));
    await consumer.waitForLine('stdout', 'Product created: iPhone 15');
  });

  it('prints a reset notice when the relay no longer has its position, then live events', async () => {
    const { source, url } = await startRelay();
    const consumer = startConsumer(['--url', url, '--since', '82000000000000000000000000DEAD', ...fast]);
    expect(await consumer.waitForLine('stdout', 'Reset')).toMatch(/^⚠️ {2}Reset \(\S+\).*reload the snapshot/);
    source.push(productEvent('insert', iphone));
    await consumer.waitForLine('stdout', 'Product created: iPhone 15');
  });
});

describe('consumer refused by the real relay', () => {
  it('exits 1 with the relay reason for a filter no product can match (4400)', async () => {
    const { url } = await startRelay();
    const consumer = startConsumer(['--url', url, '--where', 'precio=cheap', ...fast]);
    expect(await consumer.exited).toEqual({ code: 1, signal: null });
    expect(consumer.stderr.join('\n')).toContain(
      'relay closed the connection with 4400 (badRequest): bad value for where.precio; not retrying',
    );
  });

  it('connects with a valid --token and exits 1 on a bad one (HTTP 401)', async () => {
    const secret = 'consumer-test-secret-that-is-long-enough';
    const { source, url } = await startRelay({ config: { jwtSecret: secret } });
    const token = await new SignJWT({ sub: 'consumer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(RELAY_AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
    const allowed = startConsumer(['--url', url, ...fast], { RELAY_TOKEN: token });
    await allowed.waitForLine('stderr', 'connected to');
    source.push(productEvent('insert', iphone));
    await allowed.waitForLine('stdout', 'Product created: iPhone 15');

    const refused = startConsumer(['--url', url, '--token', tamperSignature(token), ...fast]);
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    expect(refused.stderr.join('\n')).toMatch(/relay rejected the access token: HTTP 401.*; not retrying/);
  });
});
