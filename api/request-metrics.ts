// The per-request metrics of the API, kept as plain numbers and written out in Prometheus text format
// when scraped. Every request pays one observation, so it is the cheapest that can be had: a few map
// lookups by route, method and status (no label object, no string built per request) and two
// increments. prom-client did the same with a labels object hashed and validated on every call and
// several objects allocated per request (docs/performance.md, "The API's request path"); it still
// renders the API's other metrics, which change rarely.

/** Upper bounds (seconds) of the duration buckets: from a cached read (~1 ms) to a write that waits for a majority across data centres. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const REQUESTS = 'api_http_requests_total';
const DURATION = 'api_http_request_duration_seconds';
const IN_FLIGHT = 'api_http_requests_in_flight';

/** One label set's counts. */
interface Series {
  /** `method="…",route="…",status="…"`, escaped once when the series is first seen. */
  readonly labels: string;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last is past the largest bound (+Inf only). */
  readonly perBucket: number[];
}

/** Request counts, durations and in-flight requests, by method, route pattern and status. */
export class RequestMetrics {
  /** Requests being handled now. */
  inFlight = 0;
  // route → method → status → series. The label values are bounded (route patterns, known methods,
  // statuses), and so is the number of series.
  readonly #series = new Map<string, Map<string, Map<number, Series>>>();

  /** Counts one answered request that took `seconds`. */
  observe(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.#series.get(route);
    if (!byMethod) this.#series.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (!series) {
      const labels = `method="${escapeLabel(method)}",route="${escapeLabel(route)}",status="${status}"`;
      byStatus.set(status, (series = { labels, count: 0, sum: 0, perBucket: new Array<number>(DURATION_BUCKETS.length + 1).fill(0) }));
    }
    series.count++;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
    series.perBucket[bucket]!++;
  }

  /** The three families in the text exposition format 0.0.4 (as prom-client writes them). */
  render(): string {
    const all = [...this.#series.values()].flatMap((byMethod) => [...byMethod.values()].flatMap((byStatus) => [...byStatus.values()]));
    const lines = [
      `# HELP ${REQUESTS} HTTP requests answered, by method, route pattern and status.`,
      `# TYPE ${REQUESTS} counter`,
      ...all.map((series) => `${REQUESTS}{${series.labels}} ${series.count}`),
      `# HELP ${DURATION} Time from a request reaching the API to its response being ready, by method, route pattern and status.`,
      `# TYPE ${DURATION} histogram`,
    ];
    for (const series of all) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((bound, index) => {
        cumulative += series.perBucket[index]!;
        lines.push(`${DURATION}_bucket{le="${bound}",${series.labels}} ${cumulative}`);
      });
      lines.push(`${DURATION}_bucket{le="+Inf",${series.labels}} ${series.count}`);
      lines.push(`${DURATION}_sum{${series.labels}} ${series.sum}`);
      lines.push(`${DURATION}_count{${series.labels}} ${series.count}`);
    }
    lines.push(`# HELP ${IN_FLIGHT} HTTP requests being handled now.`, `# TYPE ${IN_FLIGHT} gauge`, `${IN_FLIGHT} ${this.inFlight}`);
    return `${lines.join('\n')}\n`;
  }
}

/** A label value as the text format wants it: backslash, double quote and line feed escaped. */
function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === '\n' ? '\\n' : `\\${char}`));
}
