import { Child } from './children.js';
import type { Buckets } from './latency-buckets.js';
import { mergeBuckets } from './latency-buckets.js';
import type { CollectReport, ConnectArgs, LoadOps, ReopenReport } from './load-ops.js';

// Load for the scale scenarios: more clients than one process may hold (20,000 open files each) and
// than one source address has ports for (32768–60999), so the clients are spread over several load
// processes, each connecting from its own loopback address 127.0.0.<11+i>. Every operation runs on all
// of them at once and their answers are added up.

/** Clients one load process holds at most (under a 20,000 open-files limit, with a margin). */
export const CLIENTS_PER_LOAD_PROCESS = 15_000;

/** Several load processes acting as one. */
export class LoadFleet {
  private constructor(readonly processes: Child<LoadOps>[]) {}

  /** Starts `count` load processes. */
  static async start(count: number): Promise<LoadFleet> {
    const started = await Promise.all(
      Array.from({ length: count }, (_, i) => Child.start<LoadOps, { pid: number }>('./load-process.ts', [], { name: `load ${i + 1}` })),
    );
    return new LoadFleet(started.map(({ child }) => child));
  }

  /** How `total` clients split over the processes (the first ones take the remainder). */
  shares(total: number): number[] {
    const n = this.processes.length;
    return this.processes.map((_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
  }

  /** Connects `total` clients, spread over the processes and their source addresses; answers how many are ready. */
  async connect(
    total: number,
    args: Omit<ConnectArgs, 'clients' | 'localAddress' | 'timeoutMs'>,
    timeoutMs = 60_000 + total / 10,
  ): Promise<{ ready: number; failed: number; error: string | null }> {
    const shares = this.shares(total);
    const reports = await Promise.all(
      this.processes.map((child, i) =>
        child.call('connect', { ...args, clients: shares[i]!, localAddress: `127.0.0.${11 + i}`, timeoutMs }, timeoutMs + 60_000),
      ),
    );
    return {
      ready: sum(reports.map((r) => r.ready)),
      failed: sum(reports.map((r) => r.failed)),
      error: reports.find((r) => r.error)?.error ?? null,
    };
  }

  /** Waits until every client has `expected` events (or the bound passes); the reports added up. */
  async collect(args: { timeoutMs: number; stallMs?: number; expected?: number }): Promise<CollectReport> {
    const reports = await Promise.all(this.processes.map((child) => child.call('collect', args, args.timeoutMs + 10_000)));
    return {
      healthy: sum(reports.map((r) => r.healthy)),
      complete: sum(reports.map((r) => r.complete)),
      received: sum(reports.map((r) => r.received)),
      lost: sum(reports.map((r) => r.lost)),
      outOfOrder: sum(reports.map((r) => r.outOfOrder)),
      closedEarly: sum(reports.map((r) => r.closedEarly)),
      lastReceipt: Math.max(...reports.map((r) => r.lastReceipt)),
      stalled: reports.some((r) => r.stalled),
      error: reports.find((r) => r.error)?.error ?? null,
    };
  }

  async drop(): Promise<void> {
    await Promise.all(this.processes.map((child) => child.call('drop', null, 20_000)));
  }

  async reopen(timeoutMs: number): Promise<ReopenReport> {
    const reports = await Promise.all(this.processes.map((child) => child.call('reopen', { timeoutMs }, timeoutMs + 10_000)));
    return {
      ready: sum(reports.map((r) => r.ready)),
      failed: sum(reports.map((r) => r.failed)),
      withoutPosition: sum(reports.map((r) => r.withoutPosition)),
      retried: sum(reports.map((r) => r.retried)),
      error: reports.find((r) => r.error)?.error ?? null,
    };
  }

  async latency(pushTimes: number[]): Promise<Buckets> {
    return mergeBuckets(await Promise.all(this.processes.map((child) => child.call('latency', { pushTimes }, 120_000))));
  }

  /** CPU used so far by all load processes, ms. */
  async cpu(): Promise<number> {
    return sum(await Promise.all(this.processes.map((child) => child.call('cpu', null))));
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.processes.map((child) => child.call('disconnect', null, 30_000).catch(() => undefined)));
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((child) => child.kill()));
  }
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
