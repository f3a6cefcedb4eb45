import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `--help` on every entry point prints its usage and exits 0 instead of starting. Each process gets
// ports 0 and a MongoDB URL where nothing listens, so one that started anyway would keep running (and
// this test would see no exit) rather than disturb anything.

const root = fileURLToPath(new URL('../../', import.meta.url));
const env = {
  ...process.env,
  MONGO_URL: 'mongodb://127.0.0.1:9/?replicaSet=rs0&serverSelectionTimeoutMS=500',
  API_PORT: '0',
  RELAY_PORT: '0',
  RELAY_HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
};

function run(entry: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // A process that started instead of answering never exits by itself: stop it and fail.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} ${args.join(' ')} did not exit (it started?)\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('entry points: --help', () => {
  it.each([
    ['stack/main.ts', ['--help'], ['npm start', '--watch', 'STACK_READY_TIMEOUT_MS']],
    ['api/main.ts', ['--help'], ['npm run api', 'API_PORT', 'MONGO_OPERATION_TIMEOUT_MS']],
    ['relay/main.ts', ['-h'], ['npm run relay', 'RELAY_PORT', 'RELAY_MAX_CONNECTIONS_PER_IP']],
    ['mongo-double/main.ts', ['--help'], ['npm run mongo-double', '--port']],
    ['consumer/main.ts', ['--help'], ['--url', '--json']],
  ])('%s %j prints its usage on stdout and exits 0 without starting', async (entry, args, expected) => {
    const result = await run(entry, args);
    expect(result.code, result.stderr).toBe(0);
    for (const text of expected) expect(result.stdout).toContain(text);
  });

  it.each(['api/main.ts', 'relay/main.ts'])(
    '%s refuses an argument it does not know with exit 2 and says configuration is by environment',
    async (entry) => {
      const result = await run(entry, ['--port', '9000']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/unexpected argument --port 9000: configuration is by environment variables \(see --help\)/);
      expect(result.stdout).toBe('');
    },
  );
});
