// Counts by one key (a close code, an HTTP status, a reset reason): the numbers behind a labelled
// Prometheus counter. Plain integers in a Map, so counting costs nothing where it happens; /metrics
// reads them when scraped (see metrics.ts).

/** A set of counters told apart by one key. */
export interface Tally<K> {
  add(key: K, amount?: number): void;
  get(key: K): number;
  entries(): IterableIterator<[K, number]>;
}

/** Creates an empty tally. */
export function createTally<K>(): Tally<K> {
  const counts = new Map<K, number>();
  return {
    add(key, amount = 1) {
      counts.set(key, (counts.get(key) ?? 0) + amount);
    },
    get: (key) => counts.get(key) ?? 0,
    entries: () => counts.entries(),
  };
}
