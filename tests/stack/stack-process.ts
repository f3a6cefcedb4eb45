import { vi } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

// `npm start`'s entry as a process, the way a person runs it, with its output kept line by line so a
// test can wait for what the person would be waiting for.

const root = resolve(import.meta.dirname, '../..');

/** A running stack process. */
export interface StackProcess {
  /** Every output line so far (stdout and stderr, in arrival order). */
  readonly lines: string[];
  /** Resolves with the first line, past or future, that matches; rejects after `timeoutMs` or if the stack exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(signal: NodeJS.Signals): void;
  /** Pids of the services the stack reported starting (`api started (pid N)`). */
  servicePids(): number[];
  /** Kills the stack and its services if they are still there (test cleanup). */
  destroy(): void;
}

/** Starts `stack/main.ts` with `env` added to this process's environment. */
export function startStackProcess(env: NodeJS.ProcessEnv): StackProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'stack/main.ts'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('close', (code, signal) => {
      ended = true;
      for (const listener of listeners) listener();
      resolveExit({ code, signal });
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const listener of listeners) listener();
    });
  }

  const servicePids = () =>
    lines.flatMap((line) => {
      const match = /\b(?:api|relay|consumer) started \(pid (\d+)\)/.exec(line);
      return match ? [Number(match[1])] : [];
    });

  return {
    lines,
    exited,
    servicePids,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolveLine, reject) => {
        const check = () => {
          const found = lines.find((line) => pattern.test(line));
          if (found !== undefined) return done(() => resolveLine(found));
          if (ended) return done(() => reject(new Error(`stack exited before printing ${pattern}:\n${lines.join('\n')}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    signal(signal) {
      child.kill(signal);
    },
    destroy() {
      if (!ended) child.kill('SIGKILL');
      for (const pid of servicePids()) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Whether a process (or, with `group`, any process of its group) still exists. */
export function alive(pid: number, group = false): boolean {
  try {
    process.kill(group ? -pid : pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether the process group `pgid` empties within `timeoutMs` (a killed process exists until reaped). */
export function groupEmpties(pgid: number, timeoutMs: number): Promise<boolean> {
  const empty = () => {
    if (alive(pgid, true)) throw new Error(`process group ${pgid} still has members`);
    return true;
  };
  return vi.waitFor(empty, { timeout: timeoutMs, interval: 25 }).catch(() => false);
}

/** A TCP port that was free a moment ago (the stack binds it itself, so it cannot be handed over open). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  await new Promise((resolveClose) => server.close(resolveClose));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
