import { Child } from './children.js';
import type { ConnectArgs, LoadOps } from './load-ops.js';
import type { TargetInfo, TargetOps } from './target-process.js';
import type { TargetName, TargetOptions } from './targets/target.js';

// The coordinator's handle on the processes of a benchmark: one load process for the whole session,
// and a fresh target process per run, always killed when the run ends, however it ends.

/** A target process of one run. */
export interface RunningTarget {
  child: Child<TargetOps>;
  info: TargetInfo;
}

/** The load process plus a way to run something against a fresh target. */
export class Session {
  private runs = 0;

  private constructor(
    readonly load: Child<LoadOps>,
    /** Where CPU profiles of the measured processes go, if asked for. */
    readonly profileDir?: string,
  ) {}

  /** Starts the load process; with `profileDir`, every relay process writes a CPU profile there. */
  static async start(profileDir?: string): Promise<Session> {
    const { child } = await Child.start<LoadOps, { pid: number }>('./load-process.ts', [], { name: 'load' });
    return new Session(child, profileDir);
  }

  /** A number unique to each run (keeps event ids distinct across runs). */
  nextRun(): number {
    return ++this.runs;
  }

  /**
   * Starts `name` in its own process, runs `body` against it, then disconnects every client and kills
   * the target, even when `body` throws.
   */
  async withTarget<T>(name: TargetName, options: TargetOptions, body: (target: RunningTarget) => Promise<T>): Promise<T> {
    const { child, info } = await Child.start<TargetOps, TargetInfo>('./target-process.ts', [name, JSON.stringify(options)], {
      name: `target ${name}`,
      nodeFlags: ['--expose-gc', ...(this.profileDir && name === 'relay' ? ['--cpu-prof', `--cpu-prof-dir=${this.profileDir}`] : [])],
    });
    try {
      return await body({ child, info });
    } finally {
      await this.load.call('disconnect', null, 15_000).catch(() => undefined);
      // A clean exit first (a CPU profile is written at exit), then the kill that always works.
      child.notify('exit', null);
      await child.kill(5_000);
    }
  }

  /** Connects `clients` counters to a target; throws when any of them could not connect. */
  async connect(target: RunningTarget, args: Omit<ConnectArgs, 'port' | 'path' | 'dialect' | 'concurrency' | 'timeoutMs'>): Promise<void> {
    const { port, path, dialect } = target.info;
    const timeoutMs = 30_000 + args.clients * 5;
    const report = await this.load.call('connect', { ...args, port, path, dialect, concurrency: 200, timeoutMs }, timeoutMs + 5_000);
    if (report.failed > 0) throw new Error(`${report.failed} of ${args.clients} clients could not connect: ${report.error}`);
  }

  async close(): Promise<void> {
    await this.load.kill();
  }
}
