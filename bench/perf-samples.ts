import path from 'node:path';

// Reads `perf script -F tid,ip,sym,dso` output of a Node process run with --perf-basic-prof and says
// who each CPU sample belongs to. V8's own profiler (--cpu-prof) sees only the main thread's JavaScript
// and puts the rest under "(program)" and "(garbage collector)"; perf sees every thread and the
// kernel, which is where much of a busy server's time goes. A sample belongs to the first JavaScript
// frame on its stack (the function that called into a builtin, the runtime or a system call is the one
// that asked for that work), named by its file: a project file, an npm package, a Node module. A
// sample with no JavaScript frame is the engine's or the event loop's own: garbage collection,
// compiler threads, waiting in epoll, libuv's threads.

/** Samples per owner. */
export type Attribution = Map<string, number>;

/** What owns samples with no JavaScript caller. */
export const NATIVE_OWNERS = {
  gcMain: '(gc, main thread)',
  gcHelpers: '(gc, helper threads)',
  compiler: '(compiler threads)',
  eventLoop: '(event loop: epoll, libuv)',
  otherThreads: '(other threads: libuv pool, platform)',
  mainNative: '(native, main thread)',
} as const;

// A frame of JIT code as --perf-basic-prof names it: `JS:*name file:///path.ts:1:434`; the marker
// after the colon is the tier (~ interpreted, ^ baseline, + Maglev, * optimised), the name may be empty.
const JS_FRAME = /^(?:JS|LazyCompile|Function):[*~^+]?\S*\s+(\S+):\d+:\d+$/;
const GC = /Scaveng|MarkCompact|Marking|Sweep|Evacuat|Heap::|GCTracer|MinorMS|RememberedSet/;
const COMPILER = /compiler::|Compile|Turbofan|Maglev/;
const EVENT_LOOP = /uv__io_poll|epoll_wait|epoll_pwait/;

/** The owner of a JIT frame's source location, or undefined when `symbol` is not a JavaScript frame. */
export function ownerOfSymbol(symbol: string, repoRoot: string): string | undefined {
  const match = JS_FRAME.exec(symbol);
  if (!match) return undefined;
  const location = match[1]!.startsWith('file://') ? match[1]!.slice('file://'.length) : match[1]!;
  if (location.startsWith('node:')) return location;
  const modules = location.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope = '', name = ''] = location.slice(modules + '/node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  return path.isAbsolute(location) ? path.relative(repoRoot, location) : location;
}

/**
 * Names JIT code addresses from a /tmp/perf-<pid>.map (`<start> <size> <name>` per line, hex, in the
 * order V8 made the code). V8 reuses the memory of code it dropped (a deoptimised function, flushed
 * bytecode), so one address can have several names; the latest is the code that ran at steady state.
 * perf itself keeps one of them, often the oldest: a hot route's samples showed up under a package
 * loaded once at startup.
 */
export function jitSymbols(map: string): (ip: number) => string | undefined {
  const entries: { start: number; end: number; name: string; order: number }[] = [];
  for (const line of map.split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (!match) continue;
    const start = Number.parseInt(match[1]!, 16);
    entries.push({ start, end: start + Number.parseInt(match[2]!, 16), name: match[3]!, order: entries.length });
  }
  entries.sort((a, b) => a.start - b.start);
  const longest = entries.reduce((max, entry) => Math.max(max, entry.end - entry.start), 0);
  const known = new Map<number, string | undefined>();
  return (ip) => {
    if (known.has(ip)) return known.get(ip);
    // The last entry starting at or before ip, then back over every entry that could still reach it.
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (entries[middle]!.start <= ip) low = middle + 1;
      else high = middle;
    }
    let found: (typeof entries)[number] | undefined;
    for (let i = low - 1; i >= 0 && entries[i]!.start > ip - longest; i--) {
      const entry = entries[i]!;
      if (ip < entry.end && (!found || entry.order > found.order)) found = entry;
    }
    known.set(ip, found?.name);
    return found?.name;
  };
}

/**
 * Counts the samples of `script` per owner; `mainTid` is the process id (its main thread's id), `jit`
 * names the addresses of JIT code (jitSymbols) in place of perf's names.
 */
export function attributeSamples(
  script: string,
  { mainTid, repoRoot, jit }: { mainTid: number; repoRoot: string; jit?: (ip: number) => string | undefined },
): Attribution {
  const owners: Attribution = new Map();
  let tid = 0;
  let frames: string[] = [];
  const finish = () => {
    if (frames.length === 0) return;
    const owner = ownerOfStack(frames, tid === mainTid, repoRoot);
    owners.set(owner, (owners.get(owner) ?? 0) + 1);
    frames = [];
  };
  for (const line of script.split('\n')) {
    if (line.trim() === '') {
      finish();
    } else if (!/^\s/.test(line)) {
      finish();
      tid = Number.parseInt(line, 10);
    } else {
      // `<ip> <symbol> (<dso>)`: the symbol may hold spaces; the dso is the last parenthesised part.
      const frame = /^\s*([0-9a-f]+)\s+(.*?)(?:\s+\(([^()]*)\))?$/.exec(line);
      if (!frame) continue;
      const named = jit && frame[3] && /\/perf-\d+\.map$/.test(frame[3]) ? jit(Number.parseInt(frame[1]!, 16)) : undefined;
      frames.push(named ?? frame[2]!);
    }
  }
  finish();
  return owners;
}

function ownerOfStack(frames: string[], onMainThread: boolean, repoRoot: string): string {
  for (const frame of frames) {
    const owner = ownerOfSymbol(frame, repoRoot);
    if (owner) return owner;
  }
  if (frames.some((frame) => GC.test(frame))) return onMainThread ? NATIVE_OWNERS.gcMain : NATIVE_OWNERS.gcHelpers;
  if (!onMainThread) return frames.some((frame) => COMPILER.test(frame)) ? NATIVE_OWNERS.compiler : NATIVE_OWNERS.otherThreads;
  return frames.some((frame) => EVENT_LOOP.test(frame)) ? NATIVE_OWNERS.eventLoop : NATIVE_OWNERS.mainNative;
}

/** One owner's CPU per request in two processes. */
export interface OwnerRow {
  owner: string;
  /** µs of CPU per request. */
  a: number;
  b: number;
}

/** Owners' CPU per request (µs) in `a` and `b`, each sampled at `hz` while answering its requests. */
export function compareOwners(
  a: { owners: Attribution; requests: number },
  b: { owners: Attribution; requests: number },
  hz: number,
): OwnerRow[] {
  const perRequest = (samples: number, requests: number) => (samples * 1e6) / (hz * requests);
  const names = new Set([...a.owners.keys(), ...b.owners.keys()]);
  return [...names]
    .map((owner) => ({
      owner,
      a: perRequest(a.owners.get(owner) ?? 0, a.requests),
      b: perRequest(b.owners.get(owner) ?? 0, b.requests),
    }))
    .sort((x, y) => y.a - y.b - (x.a - x.b));
}
