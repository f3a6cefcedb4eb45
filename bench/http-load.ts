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

/** Sends `spec` to `baseUrl` over `connections` connections for `seconds`. */
export async function runHttpLoad(
  baseUrl: string,
  spec: HttpRequestSpec,
  { connections, seconds }: { connections: number; seconds: number },
): Promise<HttpLoadResult> {
  const result = await autocannon({
    url: `${baseUrl}${spec.path}`,
    method: spec.method,
    headers: { ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }), ...spec.headers },
    ...(spec.body === undefined ? {} : { body: spec.body }),
    idReplacement: spec.uniqueIds ?? false,
    connections,
    duration: seconds,
    // A stalled target turns into counted timeouts, not a hung benchmark.
    timeout: 10,
  });
  const requests = result.requests.total;
  return {
    requestsPerSecond: requests / result.duration,
    requests,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
  };
}
