import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPositionWriter, readPosition } from '../../consumer/state-file.js';
import { killConsumers, startConsumer, waitFor } from './consumer-process.js';
import { productEvent, startScriptedRelay, type ScriptedRelay } from './scripted-relay.js';

// --state-file: the consumer's position survives a restart, and the file is only ever replaced
// whole. The relay here is scripted; relay.test.ts repeats the restart against the real relay.

let directory: string;
let relay: ScriptedRelay | undefined;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'consumer-state-'));
});

afterEach(async () => {
  killConsumers();
  await relay?.close();
  relay = undefined;
  await rm(directory, { recursive: true, force: true });
});

const product = (nombre: string) => ({ nombre, precio: 5, talla: 'S' });
const fast = ['--retry-base-ms', '20', '--retry-cap-ms', '200'];

describe('consumer --state-file', () => {
  it('continues after a restart from the last event it printed, including what it missed while down', async () => {
    relay = await startScriptedRelay();
    const stateFile = join(directory, 'position');
    const first = startConsumer(['--url', relay.url, '--state-file', stateFile, ...fast]);
    await relay.connection(0);
    relay.publish(productEvent('insert', product('one')));
    const two = productEvent('insert', product('two'));
    relay.publish(two);
    await first.waitForLine('stdout', 'two');
    first.signal('SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(await readFile(stateFile, 'utf8')).toBe(`${two.id}\n`);

    relay.append(productEvent('insert', product('three, while the consumer was down')));
    const second = startConsumer(['--url', relay.url, '--state-file', stateFile, ...fast]);
    const connection = await relay.connection(1);
    expect(connection.url.searchParams.get('since')).toBe(two.id);
    await second.waitForLine('stderr', `continuing after the position saved in ${stateFile}`);
    relay.publish(productEvent('insert', product('four')));
    await second.waitForLine('stdout', 'four');
    expect(second.stdout.filter(Boolean)).toEqual([
      '📱 Product created: three, while the consumer was down — 5.00 (S)',
      '📱 Product created: four — 5.00 (S)',
    ]);
  });

  it('keeps the file current while running, so even SIGKILL loses at most the events in flight', async () => {
    relay = await startScriptedRelay();
    const stateFile = join(directory, 'position');
    const consumer = startConsumer(['--url', relay.url, '--state-file', stateFile, ...fast]);
    await relay.connection(0);
    const events = Array.from({ length: 50 }, (_, index) => productEvent('insert', product(`p${index}`)));
    for (const event of events) relay.publish(event);
    await consumer.waitForLine('stdout', 'p49');
    await waitFor(async () => (await readPosition(stateFile)) === events.at(-1)!.id, 'the last id on disk');
    consumer.signal('SIGKILL');
    await consumer.exited;
    expect(await readPosition(stateFile)).toBe(events.at(-1)!.id);
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('lets --since override the saved position, and says so', async () => {
    relay = await startScriptedRelay();
    const stateFile = join(directory, 'position');
    await writeFile(stateFile, 'AAAA\n');
    const consumer = startConsumer(['--url', relay.url, '--state-file', stateFile, '--since', 'BBBB', ...fast]);
    const connection = await relay.connection(0);
    expect(connection.url.searchParams.get('since')).toBe('BBBB');
    await consumer.waitForLine('stderr', 'starting after --since; ignoring the position in');
  });

  it('keeps printing and says so when the position cannot be saved', async () => {
    relay = await startScriptedRelay();
    const stateFile = join(directory, 'missing-directory', 'position');
    const consumer = startConsumer(['--url', relay.url, '--state-file', stateFile, ...fast]);
    await relay.connection(0);
    for (const nombre of ['unsaved 1', 'unsaved 2', 'unsaved 3']) relay.publish(productEvent('insert', product(nombre)));
    await consumer.waitForLine('stdout', 'unsaved 3');
    await consumer.waitForLine('stderr', /could not save the position to .*ENOENT/);
    consumer.signal('SIGTERM');
    expect(await consumer.exited).toEqual({ code: 0, signal: null });
    // One notice for the run of failures, not one per event.
    expect(consumer.stderr.filter((line) => line.includes('could not save'))).toHaveLength(1);
  });
  it('exits 1 with a clear message when the state file cannot be read', async () => {
    const consumer = startConsumer(['--url', 'ws://127.0.0.1:9', '--state-file', directory]);
    expect(await consumer.exited).toEqual({ code: 1, signal: null });
    expect(consumer.stderr.join('\n')).toMatch(/cannot read --state-file .*EISDIR/);
  });
});

describe('position writer', () => {
  it('writes the newest of many quick saves and leaves no temporary file', async () => {
    const path = join(directory, 'position');
    const errors: Error[] = [];
    const writer = createPositionWriter(path, (error) => errors.push(error));
    for (let index = 0; index < 100; index++) writer.save(`ID${index}`);
    await writer.flush();
    expect(await readPosition(path)).toBe('ID99');
    expect(await readdir(directory)).toEqual(['position']);
    expect(errors).toEqual([]);
  });

  it('reads no position from a missing or empty file', async () => {
    expect(await readPosition(join(directory, 'nothing'))).toBeUndefined();
    await writeFile(join(directory, 'empty'), '\n');
    expect(await readPosition(join(directory, 'empty'))).toBeUndefined();
  });
});

describe('consumer --state-file after a crash', () => {
  it('removes the temporary file a crashed consumer left beside the state file, and keeps a running one’s', async () => {
    relay = await startScriptedRelay();
    const stateFile = join(directory, 'position');
    await writeFile(stateFile, 'AAAA\n');
    // What SIGKILL between open and rename leaves: `<file>.<pid>.tmp` of a process that is gone.
    const crashed = startConsumer(['--help']);
    await crashed.exited;
    const leftover = `position.${crashed.pid}.tmp`;
    await writeFile(join(directory, leftover), 'BBBB\n');
    // A write in progress by a process that still runs (this test's) is not the new consumer's to delete.
    const inProgress = `position.${process.pid}.tmp`;
    await writeFile(join(directory, inProgress), 'CCCC\n');

    const consumer = startConsumer(['--url', relay.url, '--state-file', stateFile, ...fast]);
    const connection = await relay.connection(0);
    expect(connection.url.searchParams.get('since')).toBe('AAAA');
    await consumer.waitForLine('stderr', `removed 1 temporary file(s) a crashed consumer left beside ${stateFile}: ${leftover}`);
    expect((await readdir(directory)).sort()).toEqual(['position', inProgress]);
  });
});
