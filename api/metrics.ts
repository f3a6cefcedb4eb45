import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// The API's GET /metrics (Prometheus text format, prom-client). The request path pays one histogram
// observation, one counter increment and a gauge inc/dec per request (labels are the route pattern,
// never the raw path, so their number is bounded by the routes). Process metrics (CPU, memory, heap,
// event-loop lag, GC) are registered once per process, as the relay does.

/** The content type of the text exposition format 0.0.4. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** How a MongoDB failure that reached a client is counted (api_mongo_errors_total{kind}). */
export type MongoErrorKind = 'unavailable' | 'timeout' | 'write-concern' | 'duplicate-key' | 'other';
const MONGO_ERROR_KINDS: readonly MongoErrorKind[] = ['unavailable', 'timeout', 'write-concern', 'duplicate-key', 'other'];

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** What the API reports, and its exposition. */
export interface ApiMetrics {
  /** A request started; the returned function ends it with its route pattern and status. */
  start(method: string): (route: string, status: number, replayed: boolean) => void;
  mongoError(kind: MongoErrorKind): void;
  render(): Promise<string>;
}

let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Creates the API's metrics in a registry of their own (one per app). */
export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'api_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'api_http_request_duration_seconds',
    help: 'Time from a request reaching the API to its response being ready, by method, route pattern and status.',
    labelNames,
    // From a cached read (~1 ms) to a write that waits for a majority across data centres.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'api_http_requests_in_flight', help: 'HTTP requests being handled now.', registers: [registry] });
  const mongoErrors = new Counter({
    name: 'api_mongo_errors_total',
    help: 'MongoDB failures that ended a request, by kind (unavailable, timeout, write-concern, duplicate-key, other).',
    labelNames: ['kind'],
    registers: [registry],
  });
  for (const kind of MONGO_ERROR_KINDS) mongoErrors.inc({ kind }, 0);
  const replays = new Counter({
    name: 'api_idempotent_replays_total',
    help: 'POSTs answered from the idempotency store (same Idempotency-Key and body as an earlier create).',
    registers: [registry],
  });

  // prom-client hashes a labels object on every inc/observe; the children of one label set, looked
  // up once, skip that. Their number is bounded like the label values (methods × routes × statuses).
  const children = new Map<string, { requests: Counter.Internal; duration: Histogram.Internal<(typeof labelNames)[number]> }>();
  const childrenOf = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      const labels = { method, route, status: String(status) };
      child = { requests: requests.labels(labels), duration: duration.labels(labels) };
      children.set(key, child);
    }
    return child;
  };

  return {
    start(rawMethod) {
      const started = performance.now();
      inFlight.inc();
      const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : 'other';
      return (route, status, replayed) => {
        inFlight.dec();
        const child = childrenOf(method, route, status);
        child.requests.inc();
        child.duration.observe((performance.now() - started) / 1000);
        if (replayed) replays.inc();
      };
    },
    mongoError(kind) {
      mongoErrors.inc({ kind });
    },
    async render() {
      const [api, process] = await Promise.all([registry.metrics(), processMetrics().metrics()]);
      return `${api}\n${process}`;
    },
  };
}
