import { vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Runs the consumer CLI as a real process (the way a user runs it) and lets tests wait for lines on
// its stdout/stderr and for its exit, with timeouts instead of sleeps.

const root = fileURLToPath(new URL('../../', import.meta.url));

/** How the process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running consumer process. */
export interface ConsumerProcess {
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<Exit>;
  /** Resolves with the first line (already printed or future) that matches. */
  waitForLine(stream: 'stdout' | 'stderr', match: RegExp | string, timeoutMs?: number): Promise<string>;
  signal(signal: NodeJS.Signals): void;
}

const running = new Set<ChildProcess>();

/** Starts `node --import tsx consumer/main.ts ...args` with a clean RELAY_* environment. */
export function startConsumer(args: string[], env: Record<string, string> = {}): ConsumerProcess {
  const { RELAY_URL: _url, RELAY_TOKEN: _token, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'consumer/main.ts', ...args], {
    cwd: root,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const waiters = new Set<() => void>();
  const collect = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    child[stream]!.setEncoding('utf8');
    child[stream]!.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines[stream].push(...parts);
      for (const check of waiters) check();
    });
  };
  collect('stdout');
  collect('stderr');
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      for (const check of waiters) check();
      resolve({ code, signal });
    });
  });

  const matches = (line: string, match: RegExp | string) => (typeof match === 'string' ? line.includes(match) : match.test(line));

  return {
    stdout: lines.stdout,
    stderr: lines.stderr,
    exited,
    waitForLine(stream, match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines[stream].find((line) => matches(line, match));
          if (found !== undefined) {
            done();
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`consumer exited before printing ${String(match)} on ${stream}\n${describe()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${String(match)} on ${stream}\n${describe()}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    signal(signal) {
      child.kill(signal);
    },
  };

  function describe(): string {
    return `stdout:\n${lines.stdout.join('\n')}\nstderr:\n${lines.stderr.join('\n')}`;
  }
}

/** Kills every consumer a test left running (for afterEach). */
export function killConsumers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Polls `condition` until it holds; for state only observable by looking (a file on disk). */
export function waitFor<T>(condition: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await condition();
      if (value === undefined || value === false) throw new Error(`still waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 25 },
  );
}
