import { setImmediate as nextTurn } from 'node:timers/promises';
import { failStart, serveParent } from './children.js';
import { cpuMs, nowMs } from './clock.js';
import { benchEvents } from './events.js';
import { startTarget } from './targets/start.js';
import type { TargetName, TargetOptions } from './targets/target.js';
import type { Dialect } from './ws-counter.js';

// One target server in its own process (argv: target name, JSON TargetOptions), so each is measured
// alone and its memory is its own. It generates the events itself: the clock starts just before the
// first event enters the target and every push time is taken where the event enters.

/** What a target process announces once it listens. */
export interface TargetInfo {
  port: number;
  path: string;
  dialect: Dialect;
  pid: number;
}

/** When the events entered the target. */
export interface PushReport {
  /** Just before the first event entered. */
  startedAt: number;
  /** After the last event entered (its delivery may still be under way). */
  finishedAt: number;
  /** Entry time of each event, by sequence number (trickle only). */
  pushTimes?: number[];
}

/** The target process's memory, in bytes. */
export interface MemoryReport {
  rss: number;
  heapUsed: number;
  external: number;
  /** Highest RSS sampled (every 50 ms) since the last resetPeak. */
  peakRss: number;
}

/** The operations a target process serves. */
export type TargetOps = {
  /** All events, in batches of `batch`, one batch per event-loop turn (as a change stream delivers them). */
  burst: { args: { count: number; batch: number; run: number }; result: PushReport };
  /** `count` events at `rate` per second; events that fall due together enter together. */
  trickle: { args: { count: number; rate: number; run: number }; result: PushReport };
  memory: { args: { gc: boolean }; result: MemoryReport };
  resetPeak: { args: null; result: null };
  clients: { args: null; result: number };
  /** CPU time used so far (user + system), ms. */
  cpu: { args: null; result: number };
  /** Exits cleanly at once, without answering (so --cpu-prof can write its profile). */
  exit: { args: null; result: null };
};

async function main(): Promise<void> {
  const name = process.argv[2] as TargetName;
  const options = JSON.parse(process.argv[3] ?? '{}') as TargetOptions;
  const target = await startTarget(name, options);
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  sampler.unref();

  serveParent<TargetOps>({ port: target.port, path: target.path, dialect: target.dialect, pid: process.pid } satisfies TargetInfo, {
    burst: async ({ count, batch, run }) => {
      const events = benchEvents(count, run);
      const startedAt = nowMs();
      for (let from = 0; from < count; from += batch) {
        target.emit(events.slice(from, from + batch));
        await nextTurn();
      }
      return { startedAt, finishedAt: nowMs() };
    },
    trickle: ({ count, rate, run }) => trickle(count, rate, run, target.emit),
    memory: async ({ gc }) => {
      const collect = (globalThis as { gc?: () => void }).gc;
      if (gc && collect) for (let i = 0; i < 3; i++) collect();
      const usage = process.memoryUsage();
      peakRss = Math.max(peakRss, usage.rss);
      return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, peakRss };
    },
    resetPeak: async () => {
      peakRss = process.memoryUsage.rss();
      return null;
    },
    clients: async () => target.clientCount(),
    cpu: async () => cpuMs(),
    exit: async () => process.exit(0),
  });
}

/** Paces `count` events at `rate`/s on the shared clock; a late timer sends what fell due as one batch. */
function trickle(count: number, rate: number, run: number, emit: (batch: ReturnType<typeof benchEvents>) => void): Promise<PushReport> {
  const events = benchEvents(count, run);
  const pushTimes = new Array<number>(count).fill(0);
  const interval = 1000 / rate;
  const startedAt = nowMs();
  let next = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = nowMs();
      const due = Math.min(count, Math.floor((now - startedAt) / interval) + 1);
      if (due > next) {
        for (let seq = next; seq < due; seq++) pushTimes[seq] = now;
        emit(events.slice(next, due));
        next = due;
      }
      if (next >= count) return resolve({ startedAt, finishedAt: nowMs(), pushTimes });
      setTimeout(tick, Math.max(0, startedAt + next * interval - nowMs()));
    };
    tick();
  });
}

main().catch(failStart);
