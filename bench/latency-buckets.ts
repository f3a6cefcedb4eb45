import type { Latency } from './results.js';

// Per-delivery latency from many load processes: each turns its samples into sparse 0.1 ms buckets
// (small over IPC whatever the number of deliveries), the coordinator adds them up and reads
// percentiles from the sum. 0.1 ms is far below what these percentiles are compared against.

/** [bucket, count] pairs; bucket b holds latencies in [b/10, (b+1)/10) ms. */
export type Buckets = [number, number][];

const PER_MS = 10;

/** Buckets of `samples` (ms; negative ones, clock noise, count as 0). */
export function toBuckets(samples: Iterable<number>): Buckets {
  const counts = new Map<number, number>();
  for (const sample of samples) {
    const bucket = Math.max(0, Math.floor(sample * PER_MS));
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return [...counts];
}

/** The sum of several processes' buckets. */
export function mergeBuckets(lists: Buckets[]): Buckets {
  const counts = new Map<number, number>();
  for (const list of lists) for (const [bucket, count] of list) counts.set(bucket, (counts.get(bucket) ?? 0) + count);
  return [...counts].sort((a, b) => a[0] - b[0]);
}

/** p50, p99 and max (upper edge of their bucket, ms) of merged buckets. */
export function latencyOfBuckets(buckets: Buckets): Latency {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, count]) => sum + count, 0);
  const at = (p: number) => {
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (const [bucket, count] of sorted) {
      seen += count;
      if (seen >= rank) return (bucket + 1) / PER_MS;
    }
    return Number.NaN;
  };
  return { p50: at(50), p99: at(99), max: sorted.length ? (sorted[sorted.length - 1]![0] + 1) / PER_MS : Number.NaN, samples: total };
}
