// The CLI as a user runs it: prints the connection string, warns that data is in memory only,
// serves the driver, and exits 0 on SIGINT/SIGTERM; a bad flag stops it with a message naming it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

const started: ChildProcess[] = [];

function startCli(args: string[]): { child: ChildProcess; output: () => string; url: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'mongo-double/main.ts', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.startsWith('mongodb://'));
      if (line) resolve(line.trim());
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`CLI exited (${code}) before printing a URL:\n${output}`)));
  });
  url.catch(() => {});
  return { child, output: () => output, url };
}

describe('npm run mongo-double', () => {
  afterEach(() => {
    // A failed assertion must not leave a CLI running.
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`prints its URL, serves the driver, and exits 0 on ${signal}`, async () => {
      const cli = startCli(['--port', '0', '--log-level', 'warn']);
      const url = await cli.url;
      expect(url).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?replicaSet=rs0$/);
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
      await client.db('cli').collection('c').insertOne({ ok: true });
      expect(await client.db('cli').collection('c').countDocuments()).toBe(1);
      await client.close();
      expect(cli.output()).toMatch(/in memory only/);
      const exit = once(cli.child, 'exit');
      cli.child.kill(signal);
      const [code] = await exit;
      expect(code).toBe(0);
    });
  }

  it('refuses a bad flag with a message naming it and exit code 2', async () => {
    const cli = startCli(['--port', 'seventy']);
    const [code] = await once(cli.child, 'exit');
    expect(code).toBe(2);
    expect(cli.output()).toContain('--port');
  });
});
