import { runCli } from '../../consumer/cli.js';
import type { ConsumerProcess, Exit } from './consumer-process.js';

// The consumer CLI's logic run in this process (consumer/cli.ts, what main.ts runs), with the same
// handle as a real process: its stdout and stderr lines, waiting for a line, its exit status, and a
// signal that stops it as Ctrl-C does. For the consumer's behaviour; the process itself (options,
// signals, exit codes) is tested through consumer-process.ts.

const running = new Set<{ stop(): Promise<void> }>();

/** Runs the CLI with `args` in-process (RELAY_* taken from `env` only). */
export function startConsumer(args: string[], env: Record<string, string> = {}): ConsumerProcess {
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const waiters = new Set<() => void>();
  const push = (stream: 'stdout' | 'stderr', line: string) => {
    lines[stream].push(...line.split('\n'));
    for (const check of [...waiters]) check();
  };
  const run = runCli(args, env, { out: (line) => push('stdout', line), err: (line) => push('stderr', line) });
  running.add(run);
  let done = false;
  const exited: Promise<Exit> = run.exitCode.then((code) => {
    done = true;
    running.delete(run);
    for (const check of [...waiters]) check();
    return { code, signal: null };
  });
  const describe = () => `stdout:\n${lines.stdout.join('\n')}\nstderr:\n${lines.stderr.join('\n')}`;
  const matches = (line: string, match: RegExp | string) => (typeof match === 'string' ? line.includes(match) : match.test(line));
  return {
    stdout: lines.stdout,
    stderr: lines.stderr,
    exited,
    waitForLine(stream, match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const check = () => {
          const found = lines[stream].find((line) => matches(line, match));
          if (found !== undefined) {
            finish();
            resolve(found);
          } else if (done) {
            finish();
            reject(new Error(`consumer exited before printing ${String(match)} on ${stream}\n${describe()}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`timed out waiting for ${String(match)} on ${stream}\n${describe()}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    signal() {
      void run.stop();
    },
  };
}

/** Stops every consumer a test left running (for afterEach). */
export async function killConsumers(): Promise<void> {
  await Promise.all([...running].map((run) => run.stop()));
  running.clear();
}
