import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Request/response over the IPC channel between the coordinator and its child processes (targets and
// the load generator), and the registry that guarantees every child is killed when the benchmark ends,
// whether it finishes, fails or is interrupted.

/** A child's operations: what each takes and what it answers. */
export type Operations = Record<string, { args: unknown; result: unknown }>;

/** The handlers a child serves, one per operation. */
export type Handlers<Ops extends Operations> = { [K in keyof Ops]: (args: Ops[K]['args']) => Promise<Ops[K]['result']> };

interface Request {
  id: number;
  op: string;
  args: unknown;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const alive = new Set<ChildProcess>();

/** Kills every child still running (SIGKILL: a benchmark child holds nothing worth a clean exit). */
export function killAllChildren(): void {
  for (const child of alive) child.kill('SIGKILL');
  alive.clear();
}
process.once('exit', killAllChildren);

/** Registers a process started some other way (e.g. a service's own main.ts) to be killed with the rest. */
export function trackProcess(proc: ChildProcess): void {
  alive.add(proc);
  proc.once('exit', () => alive.delete(proc));
}

/** A running child process that answers typed requests. */
export class Child<Ops extends Operations> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(
    readonly process: ChildProcess,
    readonly name: string,
  ) {
    process.on('message', (message: Reply) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`${name}: ${message.error}`));
      else waiter.resolve(message.result);
    });
    process.once('exit', (code, signal) => {
      alive.delete(process);
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  /**
   * Starts `bench/<entry>` under tsx and waits for its first message (its description), within
   * `timeoutMs`. `nodeFlags` go to node itself (e.g. --expose-gc).
   */
  static async start<Ops extends Operations, Info>(
    entry: string,
    args: string[],
    options: { name: string; nodeFlags?: string[]; timeoutMs?: number },
  ): Promise<{ child: Child<Ops>; info: Info }> {
    const file = fileURLToPath(new URL(entry, import.meta.url));
    const proc = fork(file, args, {
      cwd: repoRoot,
      execArgv: [...(options.nodeFlags ?? []), '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    alive.add(proc);
    const child = new Child<Ops>(proc, options.name);
    const info = await new Promise<Info>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 20_000} ms`)),
        options.timeoutMs ?? 20_000,
      );
      proc.once('message', (message: { ready?: Info; error?: string }) => {
        clearTimeout(timer);
        if (message.error !== undefined) reject(new Error(`${options.name}: ${message.error}`));
        else resolve(message.ready as Info);
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited during start (${signal ?? code})`));
      });
    }).catch((error: unknown) => {
      child.kill();
      throw error;
    });
    return { child, info };
  }

  /** Sends one request; rejects when the child answers an error, exits, or `timeoutMs` passes. */
  call<K extends keyof Ops & string>(op: K, args: Ops[K]['args'], timeoutMs = 60_000): Promise<Ops[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as Ops[K]['result']);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.process.send({ id, op, args } satisfies Request);
    });
  }

  /** Sends a request whose answer nobody waits for (e.g. one that makes the child exit). */
  notify<K extends keyof Ops & string>(op: K, args: Ops[K]['args']): void {
    if (this.process.connected) this.process.send({ id: 0, op, args } satisfies Request);
  }

  /** Kills the child (unless it already exited, or does within `graceMs`) and waits until it is gone (at most 5 s). */
  async kill(graceMs = 0): Promise<void> {
    const gone = () => this.process.exitCode !== null || this.process.signalCode !== null;
    if (gone()) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    if (graceMs > 0) await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    if (gone()) return;
    this.process.kill('SIGKILL');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  }
}

/**
 * The child side: announces `info` once ready, then answers requests with `handlers`. The child exits
 * when its parent goes away (the IPC channel closes), so no benchmark process outlives the run.
 */
export function serveParent<Ops extends Operations>(info: unknown, handlers: Handlers<Ops>): void {
  const send = (message: unknown) => process.send?.(message);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (request: Request) => {
    const handler = (handlers as Record<string, ((args: unknown) => Promise<unknown>) | undefined>)[request.op];
    if (!handler) return send({ id: request.id, error: `unknown operation ${request.op}` } satisfies Reply);
    handler(request.args).then(
      (result) => send({ id: request.id, result } satisfies Reply),
      (error: unknown) => send({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies Reply),
    );
  });
  send({ ready: info });
}

/** The child side of a failed start: reports why, then exits. */
export function failStart(error: unknown): void {
  const message = { error: error instanceof Error ? error.message : String(error) };
  if (!process.send) process.exit(1);
  process.send(message, () => process.exit(1));
}
