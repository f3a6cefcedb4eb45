import { serveParent } from './children.js';
import { cpuMs } from './clock.js';
import type { CollectReport, ConnectArgs, ConnectReport, LoadOps, SlowReport } from './load-ops.js';
import { FrameCounter, type Receipts } from './ws-counter.js';

// The load generator: one process holding every client of a run, each a lean frame counter. It is
// separate from the targets so a target's CPU and memory are its own; one process for the whole
// benchmark, so only the target changes between runs.

let healthy: FrameCounter[] = [];
let slow: FrameCounter[] = [];
let receipts: Receipts | undefined;
let expected = 0;
let complete = 0;
let changed: (() => void) | null = null;

/** Resolves when `done()` holds, re-checked whenever a client completes or closes, or after `timeoutMs`. */
function until(done: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (done()) return resolve();
    const timer = setTimeout(finish, timeoutMs);
    function finish() {
      clearTimeout(timer);
      changed = null;
      resolve();
    }
    changed = () => {
      if (done()) finish();
    };
  });
}

/** Opens `clients` more connections (added to those already open) and waits until they are ready. */
async function connect(args: ConnectArgs): Promise<ConnectReport> {
  expected = args.expected;
  receipts ??= args.receipts ? { first: new Float64Array(args.expected), last: new Float64Array(args.expected) } : undefined;
  const opened: FrameCounter[] = [];
  let started = 0;
  let settled = 0;
  let failed = 0;
  let error: string | null = null;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, args.timeoutMs);
    const settle = () => {
      settled++;
      if (settled === args.clients) {
        clearTimeout(timer);
        resolve();
      } else if (started < args.clients) open();
    };
    const open = () => {
      const isSlow = started < args.slow;
      started++;
      let counted = false;
      const once = (ok: boolean, counter: FrameCounter) => {
        if (counted) return;
        counted = true;
        if (!ok) {
          failed++;
          error ??= counter.error ?? 'closed before ready';
        }
        settle();
      };
      const counter = new FrameCounter(
        { port: args.port, path: args.path, dialect: args.dialect, paused: isSlow, receipts: isSlow ? undefined : receipts },
        (ready) => once(true, ready),
        (counting) => {
          if (counting.count === expected && !isSlow) {
            complete++;
            if (complete === healthy.length) changed?.();
          }
        },
        (ended) => {
          once(false, ended);
          changed?.();
        },
      );
      (isSlow ? slow : healthy).push(counter);
      opened.push(counter);
    };
    for (let i = 0; i < Math.min(args.concurrency, args.clients); i++) open();
  });
  const ready = opened.filter((counter) => counter.ready).length;
  return { ready, failed: args.clients - ready, error: error ?? (failed > 0 ? 'connection failed' : null) };
}

/** Total events received by every client so far. */
function receivedSoFar(): number {
  let total = 0;
  for (const counter of healthy) total += counter.count;
  for (const counter of slow) total += counter.count;
  return total;
}

/**
 * Waits until every healthy client has everything (or was closed), at most `timeoutMs`, and gives up
 * earlier when nothing at all arrives for `stallMs`: a target that stopped sending is reported, not
 * waited for.
 */
async function collect({ timeoutMs, stallMs = 10_000 }: { timeoutMs: number; stallMs?: number }): Promise<CollectReport> {
  let last = receivedSoFar();
  let lastChange = Date.now();
  let stalled = false;
  const watchdog = setInterval(() => {
    const now = receivedSoFar();
    if (now !== last) [last, lastChange] = [now, Date.now()];
    else if (Date.now() - lastChange > stallMs) {
      stalled = true;
      changed?.();
    }
  }, 250);
  await until(() => stalled || healthy.every((counter) => counter.count >= expected || counter.socket.destroyed), timeoutMs);
  clearInterval(watchdog);
  let received = 0;
  let lost = 0;
  let outOfOrder = 0;
  let closedEarly = 0;
  let lastReceipt = 0;
  let error: string | null = null;
  for (const counter of healthy) {
    received += counter.count;
    lost += Math.max(0, expected - counter.count);
    outOfOrder += counter.outOfOrder;
    if (counter.count < expected && counter.socket.destroyed) closedEarly++;
    lastReceipt = Math.max(lastReceipt, counter.lastReceipt);
    error ??= counter.error;
  }
  for (const counter of slow) outOfOrder += counter.outOfOrder;
  return {
    healthy: healthy.length,
    complete: healthy.filter((counter) => counter.count === expected).length,
    received,
    lost,
    outOfOrder,
    closedEarly,
    lastReceipt,
    stalled,
    ...(receipts ? { receipts: Array.from(receipts.last), firstReceipts: Array.from(receipts.first) } : {}),
    error,
  };
}

/** Keeps the slow clients unread for `holdMs` more, then lets them read what they were sent and any close. */
async function resumeSlow({ holdMs, timeoutMs }: { holdMs: number; timeoutMs: number }): Promise<SlowReport> {
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  for (const counter of slow) counter.resume();
  await until(() => slow.every((counter) => counter.socket.destroyed), timeoutMs);
  return {
    closeCodes: slow.map((counter) => counter.closeCode),
    stillOpen: slow.filter((counter) => !counter.socket.destroyed).length,
    received: slow.map((counter) => counter.count),
    outOfOrder: slow.reduce((sum, counter) => sum + counter.outOfOrder, 0),
  };
}

async function disconnect(): Promise<null> {
  const all = [...healthy, ...slow];
  for (const counter of all) counter.destroy();
  await until(() => all.every((counter) => counter.socket.destroyed), 5_000);
  healthy = [];
  slow = [];
  receipts = undefined;
  complete = 0;
  return null;
}

serveParent<LoadOps>({ pid: process.pid }, {
  connect,
  collect,
  resumeSlow,
  disconnect,
  memory: async () => process.memoryUsage.rss(),
  cpu: async () => cpuMs(),
});
