import autocannon from 'autocannon';

// The HTTP load of the api scenario: autocannon (keep-alive connections, each sending its next request
// as soon as the previous answer arrives), run from the coordinator, which has nothing else to do while
// a run lasts. Latency is autocannon's: request written → response parsed, per request.

/** One kind of request, sent over and over. */
export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Replace every `[<id>]` in the request with a fresh unique id each time (Idempotency-Key). */
  uniqueIds?: boolean;
}

/** What one load run measured. */
export interface HttpLoadResult {
  requestsPerSecond: number;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  /** Answers with a status other than 2xx. */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  seconds: number;
}

/**
 * One stretch of load as autocannon reports it before aggregating (its latency histogram still
 * encoded), so that the stretches of one run can be combined into one result (combineHttpLoads).
 */
export interface HttpLoadSlice {
  raw: RawResult;
  url: string;
  connections: number;
}

/** What autocannon resolves with under `skipAggregateResult` (encoded histograms, counts, duration in s). */
type RawResult = { duration: number } & Record<string, unknown>;

// autocannon's documented aggregateResult (README: "autocannon.aggregateResult(results[, opts])"),
// which @types/autocannon does not declare.
const { aggregateResult } = autocannon as unknown as {
  aggregateResult(results: RawResult[], opts: { url: string; connections: number }): autocannon.Result;
};

/** Sends `spec` to `baseUrl` over `connections` connections for `seconds`. */
export async function runHttpLoad(
  baseUrl: string,
  spec: HttpRequestSpec,
  options: { connections: number; seconds: number },
): Promise<HttpLoadResult> {
  return combineHttpLoads([await runHttpLoadSlice(baseUrl, spec, options)]);
}

/** The same as runHttpLoad, as one slice of a run measured in several (see combineHttpLoads). */
export async function runHttpLoadSlice(
  baseUrl: string,
  spec: HttpRequestSpec,
  { connections, seconds }: { connections: number; seconds: number },
): Promise<HttpLoadSlice> {
  const url = `${baseUrl}${spec.path}`;
  const raw = (await autocannon({
    url,
    method: spec.method,
    headers: { ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }), ...spec.headers },
    ...(spec.body === undefined ? {} : { body: spec.body }),
    idReplacement: spec.uniqueIds ?? false,
    connections,
    duration: seconds,
    // A stalled target turns into counted timeouts, not a hung benchmark.
    timeout: 10,
    // autocannon ends a run at its first sample tick past `duration`: ticks of at most 250 ms keep a
    // slice of a second or less about as long as asked.
    sampleInt: Math.min(250, seconds * 1000),
    // Keep the latency histogram as recorded, so slices add up to exact percentiles.
    skipAggregateResult: true,
  })) as unknown as RawResult;
  return { raw, url, connections };
}

/**
 * One result from the slices of a run: requests and errors summed, requests/s over the time the
 * slices lasted together, latency percentiles from their merged histograms (not averaged).
 */
export function combineHttpLoads(slices: HttpLoadSlice[]): HttpLoadResult {
  const [first] = slices;
  if (!first) throw new Error('no load slices to combine');
  const result = aggregateResult(
    slices.map((slice) => slice.raw),
    { url: first.url, connections: first.connections },
  );
  const seconds = slices.reduce((sum, slice) => sum + slice.raw.duration, 0);
  const requests = result.requests.total;
  return {
    requestsPerSecond: requests / seconds,
    requests,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    seconds,
  };
}
