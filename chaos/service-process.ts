import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

// One of the system's services (api, relay, consumer) run as a real child process, the way an
// operator runs it: `node --import tsx <entry>`. Used where killing a process is the point. Every
// child is remembered so that the parent kills it on the way out, however it leaves.

const root = fileURLToPath(new URL('..', import.meta.url));
const living = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

/** How to start a service. */
export interface ServiceOptions {
  /** Entry file relative to the repository root, e.g. `relay/main.ts`. */
  entry: string;
  args?: string[];
  /** Added to the parent's environment. */
  env?: Record<string, string>;
  /** Lines of output kept for diagnostics. */
  keepLines?: number;
  /** Also append every output line to this file. */
  logFile?: string;
}

/** A running service process and what it printed. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** The last lines of stdout and stderr, interleaved, each prefixed with its stream. */
  readonly output: string[];
  /** All stdout lines (for a consumer's printed events). */
  readonly stdout: string[];
  /** Resolves with the exit code or signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal and waits for the exit (SIGKILL after `graceMs` if it lingers). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns a service from the repository root. */
export function startService(options: ServiceOptions): ServiceProcess {
  const keep = options.keepLines ?? 200;
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry, ...(options.args ?? [])], {
    cwd: root,
    env: { ...process.env, LOG_PRETTY: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  living.add(child);
  const output: string[] = [];
  const stdout: string[] = [];
  const file = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const collect = (stream: 'out' | 'err') => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (stream === 'out') stdout.push(line);
        output.push(`${stream}| ${line}`);
        file?.write(`${stream}| ${line}\n`);
        if (output.length > keep) output.shift();
      }
    };
  };
  child.stdout?.on('data', collect('out'));
  child.stderr?.on('data', collect('err'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      living.delete(child);
      file?.end();
      resolve({ code, signal });
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  return { child, output, stdout, exited, stop };
}

/** Kills every service still running (SIGKILL) and waits for them to go. */
export async function killAllServices(): Promise<void> {
  const children = [...living];
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)),
    ),
  );
}

/**
 * Polls `url` until it answers 200, the process exits, or `timeoutMs` passes (then throws with the
 * process's last output, so a failed start explains itself).
 */
export async function waitUntilServing(service: ServiceProcess, url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void service.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const why = exited ? 'exited' : `not serving after ${timeoutMs} ms`;
  throw new Error(`${url}: ${why}\n${service.output.slice(-30).join('\n')}`);
}
