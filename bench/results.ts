import type { ApiOp, ApiTargetName } from './api-targets.js';
import type { TargetName } from './targets/target.js';

// What one run of one scenario against one target measured. Lines, medians, targets and the JSON file
// are all derived from a list of these.

export const SCENARIO_NAMES = ['burst', 'trickle', 'idle', 'slow', 'e2e', 'api', 'connections', 'storm', 'ingest'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Latency percentiles in milliseconds. */
export interface Latency {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** One run's measurements; fields a scenario does not measure are absent. */
export interface RunResult {
  scenario: ScenarioName;
  target: TargetName | ApiTargetName;
  repeat: number;
  /** Deliveries (one event to one client) per second, from the first event entering to the last receipt. */
  throughput?: number;
  deliveries?: number;
  seconds?: number;
  /** Events some client that should have received them did not. */
  lost: number;
  /** Events received with a sequence number other than the next expected. */
  outOfOrder: number;
  latency?: Latency;
  /** Latency over every event, including the warm-up ones `latency` leaves out. */
  latencyWithWarmUp?: Latency & { warmUpEvents: number };
  /** Latency to the first client that received each event (the rest is the fan-out's spread). */
  firstLatency?: Latency;
  /** CPU used by the target and by the load process, as % of one core over the run's duration. */
  cpuPercent?: { target: number; load: number };
  /** Highest RSS of the target process during the run, MiB. */
  peakRssMiB?: number;
  /** Idle memory: RSS added per open connection, KiB, at each connection count. */
  idle?: { connections: number; perConnectionKiB: number; heapPerConnectionKiB: number }[];
  /** Slow consumers: how the slow clients were closed and what they got. */
  slow?: {
    slowClients: number;
    /** Close code each slow client saw: null when the relay cut it without one reaching it. */
    closeCodes: (number | null)[];
    /** Slow clients still connected once they had read everything the target sent. */
    stillOpen: number;
    slowReceived: number[];
    /** The same run without slow clients: deliveries/s (scaled to the healthy clients here) and peak RSS (MiB). */
    baselineThroughput?: number;
    baselinePeakRssMiB?: number;
    /** Healthy clients' p99 latency without slow clients, ms. */
    baselineP99Ms?: number;
    /** The relay's unsent-bytes bound in this run. */
    maxBufferedBytes?: number;
  };
  /** Many connections on one host: how they were opened and held, what they cost, how fast events reached them. */
  connections?: {
    asked: number;
    /** Connections open on the target (as it counts them) once the ramp was over. */
    held: number;
    workers: number;
    loadProcesses: number;
    connectSeconds: number;
    /** Connections opened per second during the ramp. */
    connectRate: number;
    /** RSS of the target's processes added per held connection (no forced GC), KiB. */
    rssPerConnectionKiB: number;
    /** RSS of the target's processes with the connections open, MiB. */
    rssMiB: number;
    events: number;
    /** CPU per delivery while the events were delivered (from the first insert to the last receipt), µs. */
    cpu?: { targetMicrosPerDelivery: number; loadMicrosPerDelivery: number };
  };
  /** Reconnect storm: every client drops at once, events are written, every client comes back at once. */
  storm?: {
    clients: number;
    /** Events written while the clients were away. */
    missed: number;
    /** From the reconnects starting to the last client having every missed event. */
    catchUpMs: number;
    /** Then a new event written to every client receiving it (the clients are live). */
    liveMs: number;
    reconnected: number;
    /** Reconnect attempts made again after a failed one (refused, reset, unanswered), with backoff. */
    retried?: number;
    /** Events received more than once. */
    duplicates: number;
    /** Most catch-up change streams the relay had open at once (Socket.IO opens none: null). */
    catchUpStreamsPeak: number | null;
    peakRssMiB: number;
  };
  /** Change events through one relay as fast as MongoDB hands them over. */
  ingest?: {
    events: number;
    clients: number;
    eventsPerSecond: number;
    /** Events/s the writer got MongoDB to accept. */
    writtenPerSecond: number;
    /** CPU per event, µs, and CPU use as % of one core, for each process involved. */
    cpu: { process: string; microsPerEvent: number; percent: number }[];
    /** The busiest process and why it is the limit. */
    bottleneck: string;
  };
  /** The api scenario: which request, how many answered per second, and the MongoDB double's CPU. */
  api?: { op: ApiOp; requestsPerSecond?: number; requests?: number; mongoCpuPercent?: number };
  /** Why the run could not complete (counts as a failure). */
  error?: string;
}

/** Milliseconds percentile (nearest rank) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Median of values (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Latency summary of samples in milliseconds. */
export function latencyOf(samples: readonly number[]): Latency {
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : Number.NaN,
    samples: samples.length,
  };
}
