import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLinePrinter } from '../../stack/log-prefix.js';
import { describeExit, startService } from '../../stack/service-process.js';
import { alive, groupEmpties } from './stack-process.js';

const root = resolve(import.meta.dirname, '../..');

function printerToText() {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { printer: createLinePrinter({ names: ['svc'], color: false, out: sink, err: sink }), text: () => text };
}

describe('a service run by the stack', () => {
  it('prints its stdout and stderr under its name and stops on SIGTERM by itself', async () => {
    const { printer, text } = printerToText();
    const service = startService(
      { name: 'svc', entry: 'tests/stack/fixtures/polite-service.ts', env: process.env, cwd: root, watch: false },
      printer,
    );
    await service.nextLine(/hello from stderr/);
    const { exit, forced } = await service.stop(10_000);
    expect({ exit, forced }).toEqual({ exit: { code: 0, signal: null }, forced: false });
    await groupEmpties(service.pid, 3_000);
    expect(text()).toContain('svc │ hello from stdout\n');
    expect(text()).toContain('svc │ hello from stderr\n');
  });

  it('is killed with everything it spawned when it ignores SIGTERM past the grace time', async () => {
    const { printer } = printerToText();
    const service = startService(
      { name: 'svc', entry: 'tests/stack/fixtures/stubborn-service.ts', env: process.env, cwd: root, watch: false },
      printer,
    );
    const ready = await service.nextLine(/^ready grandchild=\d+$/);
    const grandchild = Number(ready.split('=')[1]);
    const { exit, forced } = await service.stop(300);
    expect(forced).toBe(true);
    expect(describeExit(exit)).toBe('signal SIGKILL');
    expect(await groupEmpties(service.pid, 3_000)).toBe(true);
    expect(alive(grandchild)).toBe(false);
  });

  it('runs the compiled dist/<entry>.js with plain node under NODE_ENV=production, without tsx', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stack-compiled-'));
    try {
      await mkdir(join(dir, 'dist/svc'), { recursive: true });
      await writeFile(
        join(dir, 'dist/svc/main.js'),
        "console.log('compiled ' + JSON.stringify({ execArgv: process.execArgv, args: process.argv.slice(2) }));\n",
      );
      const { printer } = printerToText();
      const service = startService(
        { name: 'svc', entry: 'svc/main.ts', args: ['--x'], env: process.env, cwd: dir, watch: false, compiled: true },
        printer,
      );
      const line = await service.nextLine(/^compiled /);
      expect(JSON.parse(line.slice('compiled '.length))).toEqual({ execArgv: [], args: ['--x'] });
      expect((await service.exited).code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
