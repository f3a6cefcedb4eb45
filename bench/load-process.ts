import { serveParent } from './children.js';
import { backoffDelay } from '../client/backoff.js';
import { cpuMs, nowMs } from './clock.js';
import { toBuckets, type Buckets } from './latency-buckets.js';
import type { CollectReport, ConnectArgs, ConnectReport, LoadOps, ReopenReport, SlowReport } from './load-ops.js';
import { FrameCounter, type CounterOptions, type Receipts } from './ws-counter.js';

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

/** How the clients of this process connect (kept for reopen). */
let connectArgs: ConnectArgs | undefined;
/** With deliveryTimes: receipt time of event `seq` at healthy client `i`, at [i * expected + seq]. */
let deliveryTimes: Float64Array | undefined;

/**
 * Opens `count` counters, `concurrency` handshaking at once, and waits until each is ready or failed
 * (at most `timeoutMs`). `make(i)` builds the i-th; `onReady` runs for each as it becomes ready.
 */
function openMany(
  count: number,
  concurrency: number,
  timeoutMs: number,
  make: (i: number, settle: (ok: boolean, counter: FrameCounter) => void) => FrameCounter,
): Promise<{ opened: FrameCounter[]; error: string | null }> {
  const opened: FrameCounter[] = [];
  let started = 0;
  let settled = 0;
  let error: string | null = null;
  let over = false;
  return new Promise((resolve) => {
    if (count === 0) return resolve({ opened, error });
    // When the bound passes, no more connections are started: the caller reports what was reached.
    const timer = setTimeout(() => {
      over = true;
      resolve({ opened, error });
    }, timeoutMs);
    const open = () => {
      const index = started++;
      let counted = false;
      opened.push(
        make(index, (ok, counter) => {
          if (counted) return;
          counted = true;
          if (!ok) error ??= counter.error ?? 'closed before ready';
          settled++;
          if (settled === count) {
            clearTimeout(timer);
            resolve({ opened, error });
          } else if (started < count && !over) open();
        }),
      );
    };
    for (let i = 0; i < Math.min(concurrency, count); i++) open();
  });
}

/** The callbacks every healthy or slow counter shares. */
function counterOptions(args: ConnectArgs, isSlow: boolean, path = args.path): CounterOptions {
  return {
    port: args.port,
    path,
    dialect: args.dialect,
    paused: isSlow,
    receipts: isSlow ? undefined : receipts,
    ...(args.host ? { host: args.host } : {}),
    ...(args.localAddress ? { localAddress: args.localAddress } : {}),
    ...(args.track ? { track: true } : {}),
  };
}

function onEvent(index: number, isSlow: boolean): (counter: FrameCounter) => void {
  return (counting) => {
    if (deliveryTimes && !isSlow) {
      const at = index * expected + counting.nextSeq - 1;
      if (at < deliveryTimes.length && counting.nextSeq <= expected) deliveryTimes[at] = counting.lastReceipt;
    }
    if (counting.count === expected && !isSlow) {
      complete++;
      if (complete === healthy.length) changed?.();
    }
  };
}

/** Opens `clients` more connections (added to those already open) and waits until they are ready. */
async function connect(args: ConnectArgs): Promise<ConnectReport> {
  expected = args.expected;
  connectArgs = args;
  receipts ??= args.receipts ? { first: new Float64Array(args.expected), last: new Float64Array(args.expected) } : undefined;
  if (args.deliveryTimes) deliveryTimes = new Float64Array((healthy.length + args.clients) * args.expected);
  const { opened, error } = await openMany(args.clients, args.concurrency, args.timeoutMs, (i, settle) => {
    const isSlow = i < args.slow;
    const index = healthy.length;
    const counter = new FrameCounter(
      counterOptions(args, isSlow),
      (ready) => settle(true, ready),
      onEvent(index, isSlow),
      (ended) => {
        settle(false, ended);
        changed?.();
      },
    );
    (isSlow ? slow : healthy).push(counter);
    return counter;
  });
  const ready = opened.filter((counter) => counter.ready).length;
  if (args.dropUnready) {
    // Clients not ready within the bound are not part of the run: they would only count as lost.
    const unready = new Set(opened.filter((counter) => !counter.ready));
    for (const counter of unready) counter.destroy();
    healthy = healthy.filter((counter) => !unready.has(counter));
  }
  return { ready, failed: args.clients - ready, error: error ?? (args.clients - ready > 0 ? 'connection failed' : null) };
}

/** Drops every healthy connection at once (a network blip): no close handshake, state kept for reopen. */
async function drop(): Promise<null> {
  for (const counter of healthy) counter.destroy();
  await until(() => healthy.every((counter) => counter.socket.destroyed), 10_000);
  return null;
}

/**
 * Reopens every healthy client from its remembered position, all at once; counts carry over. A client
 * whose attempt fails (refused, reset, no answer to its handshake) tries again after a delay, as the
 * client library does (full-jitter backoff from 500 ms), until `timeoutMs` has passed since the storm.
 */
async function reopen({ timeoutMs }: { timeoutMs: number }): Promise<ReopenReport> {
  const args = connectArgs;
  if (!args) throw new Error('reopen before connect');
  const previous = healthy;
  const deadline = nowMs() + timeoutMs;
  healthy = new Array<FrameCounter>(previous.length);
  complete = 0;
  let withoutPosition = 0;
  let retried = 0;
  let error: string | null = null;
  let pending = previous.map((_, i) => i);
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) {
      const delay = backoffDelay(attempt - 1, { baseMs: 500, capMs: 30_000 });
      if (nowMs() + delay >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
      retried += pending.length;
    }
    const round = await reopenSome(args, previous, pending, deadline - nowMs(), attempt === 0);
    error ??= round.error;
    withoutPosition += round.withoutPosition;
    pending = round.failed;
  }
  for (const i of pending) healthy[i] ??= previous[i]!;
  const ready = healthy.filter((counter) => counter.ready).length;
  return { ready, failed: previous.length - ready, withoutPosition, retried, error };
}

/** One round of reopen: the clients at `indices`, all at once; the indices whose attempt failed. */
async function reopenSome(
  args: ConnectArgs,
  previous: FrameCounter[],
  indices: number[],
  timeoutMs: number,
  first: boolean,
): Promise<{ failed: number[]; withoutPosition: number; error: string | null }> {
  let withoutPosition = 0;
  const { opened, error } = await openMany(indices.length, indices.length, timeoutMs, (n, settle) => {
    const i = indices[n]!;
    const old = previous[i]!;
    let options = counterOptions(args, false);
    if (args.dialect === 'relay') {
      if (old.lastId)
        options = counterOptions(args, false, `${args.path}${args.path.includes('?') ? '&' : '?'}since=${encodeURIComponent(old.lastId)}`);
      else withoutPosition++;
    } else if (args.dialect === 'socketio') {
      if (old.session?.offset) options = { ...options, recover: old.session };
      else withoutPosition++;
    }
    const counter = new FrameCounter(
      options,
      (ready) => settle(true, ready),
      onEvent(i, false),
      (ended) => {
        settle(false, ended);
        changed?.();
      },
    );
    counter.count = old.count;
    counter.nextSeq = old.nextSeq;
    counter.outOfOrder = old.outOfOrder;
    counter.lastId = old.lastId;
    if (first && old.count === expected) complete++;
    healthy[i] = counter;
    return counter;
  });
  const failed = indices.filter((_, n) => !opened[n]?.ready);
  for (const n of indices.keys()) if (!opened[n]?.ready) opened[n]?.destroy();
  return { failed, withoutPosition: first ? withoutPosition : 0, error };
}

/** Per-delivery latency over every healthy client and event that arrived. */
async function latency({ pushTimes }: { pushTimes: number[] }): Promise<Buckets> {
  const times = deliveryTimes;
  if (!times) return [];
  function* samples() {
    for (let i = 0; i < healthy.length; i++) {
      for (let seq = 0; seq < expected && seq < pushTimes.length; seq++) {
        const at = times![i * expected + seq]!;
        if (at > 0) yield at - pushTimes[seq]!;
      }
    }
  }
  return toBuckets(samples());
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
async function collect({
  timeoutMs,
  stallMs = 10_000,
  expected: want,
}: {
  timeoutMs: number;
  stallMs?: number;
  expected?: number;
}): Promise<CollectReport> {
  if (want !== undefined && want !== expected) {
    expected = want;
    complete = healthy.filter((counter) => counter.count === expected).length;
  }
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
  deliveryTimes = undefined;
  connectArgs = undefined;
  complete = 0;
  return null;
}

serveParent<LoadOps>(
  { pid: process.pid },
  {
    connect,
    collect,
    resumeSlow,
    disconnect,
    drop,
    reopen,
    latency,
    memory: async () => process.memoryUsage.rss(),
    cpu: async () => cpuMs(),
  },
);
