import { afterEach, describe, expect, it } from 'vitest';
import { killConsumers, startConsumer } from './consumer-process.js';
import { productEvent, startScriptedRelay, type ScriptedRelay } from './scripted-relay.js';

// The consumer as a user runs it: options, output lines, exit statuses. The relay here is scripted
// (tests/consumer/relay.int.test.ts runs the same CLI against the real relay).

let relay: ScriptedRelay | undefined;

afterEach(async () => {
  killConsumers();
  await relay?.close();
  relay = undefined;
});

const iphone = { nombre: 'iPhone 15', precio: 999.99, talla: 'L' };

describe('consumer command line', () => {
  it('prints its usage with --help and exits 0', async () => {
    const consumer = startConsumer(['--help']);
    expect(await consumer.exited).toEqual({ code: 0, signal: null });
    const usage = consumer.stdout.join('\n');
    for (const option of ['--url', '--ops', '--where', '--since', '--state-file', '--token', '--json']) expect(usage).toContain(option);
  });

  it.each([
    [['--url', 'not a url'], /--url: "not a url" is not a URL/],
    [['--url', 'http://localhost:8765'], /use ws:\/\/localhost:8765\/ instead of http:/],
    [['--url', 'ftp://localhost'], /unsupported scheme "ftp:"/],
    [['--ops', 'insert,upsert'], /unknown operation "upsert"/],
    [['--where', 'color=red'], /unknown field "color"/],
    [['--where', 'talla'], /expected FIELD=VALUE/],
    [['--colour'], /Unknown option '--colour'/],
    [['--retry-base-ms', 'soon'], /--retry-base-ms: expected a whole number/],
  ])('refuses %j with a clear message and exit 2', async (args, message) => {
    const consumer = startConsumer(args);
    expect(await consumer.exited).toEqual({ code: 2, signal: null });
    expect(consumer.stderr.join('\n')).toMatch(message);
    expect(consumer.stdout.filter(Boolean)).toEqual([]);
  });

  it('refuses a bad RELAY_URL from the environment with exit 2', async () => {
    const consumer = startConsumer([], { RELAY_URL: 'localhost:8765' });
    expect(await consumer.exited).toEqual({ code: 2, signal: null });
    expect(consumer.stderr.join('\n')).toMatch(/unsupported scheme "localhost:"/);
  });
});

describe('consumer output', () => {
  it('prints a created product the way the old hub did', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url]);
    await relay.connection(0);
    relay.publish(productEvent('insert', iphone));
    expect(await consumer.waitForLine('stdout', 'Product created')).toBe('📱 Product created: iPhone 15 — 999.99 (L)');
  });

  it('prints updates, replacements and deletes with what changed', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url, '--ops', 'insert,update,replace,delete']);
    await relay.connection(0);
    relay.publish(productEvent('update', { ...iphone, precio: 899.5 }, 'b'.repeat(24)));
    relay.publish(productEvent('replace', { nombre: 'iPhone 15 Pro', precio: 1200, talla: 'XL' }, 'b'.repeat(24)));
    relay.publish(productEvent('delete', iphone, 'b'.repeat(24)));
    await consumer.waitForLine('stdout', 'Product deleted');
    expect(consumer.stdout.filter(Boolean)).toEqual([
      '✏️ Product updated: iPhone 15 — 899.50 (L) · changed precio',
      '🔁 Product replaced: iPhone 15 Pro — 1200.00 (XL)',
      `🗑️ Product deleted: ${'b'.repeat(24)}`,
    ]);
  });

  it('shows control characters in product names escaped instead of sending them to the terminal', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url]);
    await relay.connection(0);
    relay.publish(productEvent('insert', { ...iphone, nombre: 'evil\n📱 Product created: fake\u001b[2J' }));
    const line = await consumer.waitForLine('stdout', 'Product created');
    expect(line).toBe('📱 Product created: evil\\u000a📱 Product created: fake\\u001b[2J — 999.99 (L)');
    expect(consumer.stdout.filter(Boolean)).toHaveLength(1);
  });

  it('shows bidi overrides and zero-width characters in product names escaped, so a name reads as what it is', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url]);
    await relay.connection(0);
    // U+202E would print "iPhone 15" backwards-reordered; the zero-width ones hide inside the name.
    const hidden = [
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200b',
      '\u200c',
      '\u200d',
      '\u200e',
      '\u200f',
      '\u2060',
      '\ufeff',
    ];
    relay.publish(productEvent('insert', { ...iphone, nombre: `Pay${hidden.join('')}Pal` }));
    const line = await consumer.waitForLine('stdout', 'Product created');
    const escaped = hidden.map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    expect(line).toBe(`📱 Product created: Pay${escaped}Pal — 999.99 (L)`);
    expect(line).not.toMatch(/[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/);
  });

  it('prints one JSON object per line with --json, exactly as the relay sent it', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url, '--json']);
    await relay.connection(0);
    const first = productEvent('insert', iphone);
    const second = productEvent('insert', { ...iphone, nombre: 'Pixel 9' });
    relay.publish(first);
    relay.publish(second);
    await consumer.waitForLine('stdout', 'Pixel 9');
    expect(consumer.stdout.filter(Boolean).map((line) => JSON.parse(line))).toEqual([first, second]);
  });

  it('asks the relay for the chosen operations, conditions and token', async () => {
    relay = await startScriptedRelay();
    startConsumer([
      '--url',
      `${relay.url}/`,
      '--ops',
      'insert,delete',
      '--where',
      'talla=L',
      '--where',
      'nombre=iPhone 15',
      '--token',
      'abc.def.ghi',
    ]);
    const connection = await relay.connection(0);
    expect(Object.fromEntries(connection.url.searchParams)).toEqual({
      ops: 'insert,delete',
      'where.talla': 'L',
      'where.nombre': 'iPhone 15',
    });
    expect(connection.headers.authorization).toBe('Bearer abc.def.ghi');
  });

  it('ignores frames that are not protocol messages and keeps printing', async () => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url]);
    const connection = await relay.connection(0);
    connection.socket.send('{not json');
    connection.socket.send(JSON.stringify({ type: 'event', op: 'insert' }));
    relay.publish(productEvent('insert', iphone));
    await consumer.waitForLine('stdout', 'Product created: iPhone 15');
    expect(consumer.stderr.filter((line) => line.includes('ignoring a frame'))).toHaveLength(2);
  });
});

describe('consumer signals', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('exits 0 on %s', async (signal) => {
    relay = await startScriptedRelay();
    const consumer = startConsumer(['--url', relay.url]);
    await consumer.waitForLine('stderr', 'connected to');
    consumer.signal(signal);
    expect(await consumer.exited).toEqual({ code: 0, signal: null });
  });

  it('exits 0 on SIGINT while waiting to reconnect to a relay that is down', async () => {
    relay = await startScriptedRelay();
    const url = relay.url;
    await relay.close();
    relay = undefined;
    const consumer = startConsumer(['--url', url]);
    await consumer.waitForLine('stderr', /connection lost .*ECONNREFUSED.*reconnecting in/);
    consumer.signal('SIGINT');
    expect(await consumer.exited).toEqual({ code: 0, signal: null });
  });
});
