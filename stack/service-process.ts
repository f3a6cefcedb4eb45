import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LinePrinter } from './log-prefix.js';

// One service (api, relay, consumer) as a child process of the stack. Each child leads its own
// process group, so a Ctrl-C in the terminal reaches only the stack, which then stops the services
// in order (consumer, relay, api, then MongoDB) instead of all of them racing at once; and whatever a
// child leaves behind (tsx watch's grandchild) can be killed as a group.

const GROUP_GONE_MS = 2_000;
const ANSI = /\x1b\[[0-9;]*m/g; // eslint-disable-line no-control-regex
const TSX_CLI = fileURLToPath(import.meta.resolve('tsx/cli'));

/** How a service ended: its exit code, or the signal that ended it. */
export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What to run: a TypeScript entry file of this project, with arguments and environment. */
export interface ServiceSpec {
  name: string;
  entry: string;
  args?: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Run under `tsx watch`, which restarts the service when one of its files changes. */
  watch: boolean;
  /** Run the compiled dist/<entry>.js with plain node (`npm run build` made it) instead of tsx. */
  compiled?: boolean;
}

/** Where `npm run build` puts a TypeScript entry's compiled JavaScript (see tsconfig.build.json). */
export function compiledEntry(entry: string): string {
  return `dist/${entry.replace(/\.ts$/, '.js')}`;
}

/** A running service. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Settles once, when the process has exited (for whatever reason). */
  readonly exited: Promise<ServiceExit>;
  /** SIGTERM, then SIGKILL to the whole group after `timeoutMs`; `forced` tells which ended it. */
  stop(timeoutMs: number): Promise<{ exit: ServiceExit; forced: boolean }>;
  /** SIGKILL to the whole group, synchronously: the last resort when the stack itself is dying. */
  kill(): void;
  /** Resolves with the first later output line (stdout or stderr) that matches `pattern`. */
  nextLine(pattern: RegExp): Promise<string>;
}

/** Starts a service; its output goes line by line to `printer` under the service's name. */
export function startService(spec: ServiceSpec, printer: LinePrinter): ServiceProcess {
  // `node --import tsx` keeps one process per service (the tsx CLI would add a wrapper process);
  // `tsx watch` is the wrapper whose job is restarting, so in watch mode it is the child.
  const args = spec.compiled
    ? [compiledEntry(spec.entry), ...(spec.args ?? [])]
    : spec.watch
      ? [TSX_CLI, 'watch', '--clear-screen=false', spec.entry, ...(spec.args ?? [])]
      : ['--import', 'tsx', spec.entry, ...(spec.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });

  let exit: ServiceExit | undefined;
  const exited = new Promise<ServiceExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (error) => {
      printer.line(spec.name, `could not start: ${error.message}`, 'err');
      exit = { code: 127, signal: null };
      resolve(exit);
    });
  });
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const observe = (raw: string) => {
    const text = raw.replace(ANSI, '');
    for (const waiter of waiters) {
      if (!waiter.pattern.test(text)) continue;
      waiters.delete(waiter);
      waiter.resolve(text);
    }
  };
  if (child.stdout) void printer.pipe(spec.name, child.stdout, 'out', observe);
  if (child.stderr) void printer.pipe(spec.name, child.stderr, 'err', observe);

  const pid = child.pid ?? -1;
  const signalGroup = (signal: NodeJS.Signals): boolean => {
    if (pid <= 0) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false; // ESRCH: nobody left in the group.
    }
  };

  return {
    name: spec.name,
    pid,
    exited,
    async stop(timeoutMs) {
      let forced = false;
      if (!exit) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          forced = true;
          signalGroup('SIGKILL');
        }, timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      // The direct child is gone; anything it spawned into its group must not outlive the stack
      // (tsx's esbuild helper lingers for a moment after its parent; killing it is routine).
      if (signalGroup('SIGKILL')) await groupGone(pid, GROUP_GONE_MS);
      return { exit: await exited, forced };
    },
    kill() {
      if (!exit) signalGroup('SIGKILL');
    },
    nextLine(pattern) {
      return new Promise((resolve) => waiters.add({ pattern, resolve }));
    },
  };
}

/** Waits (bounded) until no process of group `pgid` is left: a SIGKILLed process lingers until reaped. */
async function groupGone(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Describes an exit for people: `exit code 1` or `signal SIGKILL`. */
export function describeExit(exit: ServiceExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
}
