import { afterEach, describe, expect, it } from 'vitest';
import { killConsumers, startConsumer } from './consumer-process.js';
import { productEvent, startScriptedRelay, type ScriptedRelay } from './scripted-relay.js';

// `npm run -s consumer -- --json > events.jsonl` (the command docs/consumer.md gives) must leave a file
// of JSON lines and nothing else: npm's banner, connection notices, reconnects and ignored frames all
// stay off stdout. (Without -s npm itself prints its "> consumer" banner on stdout, before the consumer runs.)

let relay: ScriptedRelay | undefined;

afterEach(async () => {
  killConsumers();
  await relay?.close();
  relay = undefined;
});

const iphone = { nombre: 'iPhone 15', precio: 999.99, talla: 'L' };

describe('consumer --json through npm', () => {
  it('writes only JSON lines on stdout while its notices (connect, ignored frame, reconnect) go to stderr', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url, '--json', '--retry-base-ms', '50'], {}, { viaNpm: true });
    const first = await relay.connection(0, 30_000);
    const created = productEvent('insert', iphone);
    first.socket.send('{not json');
    relay.publish(created);
    await consumer.waitForLine('stdout', 'iPhone 15', 30_000);
    first.close(1011, 'relay error');
    await relay.connection(1, 30_000);
    const renamed = productEvent('update', { ...iphone, nombre: 'iPhone 15 Pro' });
    relay.publish(renamed);
    await consumer.waitForLine('stdout', 'iPhone 15 Pro', 30_000);

    expect(consumer.stdout).toEqual([JSON.stringify(created), JSON.stringify(renamed)]);
    const notices = consumer.stderr.join('\n');
    expect(notices).toContain('connected to');
    expect(notices).toContain('ignoring a frame');
    expect(notices).toMatch(/connection lost|reconnecting/);
  });
});
