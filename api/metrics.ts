import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';

// The API's GET /metrics (Prometheus text format). Request counts, durations and in-flight requests
// are kept by request-metrics.ts, the cheapest per request (labels are the route pattern, never the
// raw path, so their number is bounded by the routes); prom-client keeps the rest. Process metrics
// (CPU, memory, heap, event-loop lag, GC) are registered once per process, as the relay does.

/** The content type of the text exposition format 0.0.4. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** How a MongoDB failure that reached a client is counted (api_mongo_errors_total{kind}). */
export type MongoErrorKind = 'unavailable' | 'timeout' | 'write-concern' | 'duplicate-key' | 'other';
const MONGO_ERROR_KINDS: readonly MongoErrorKind[] = ['unavailable', 'timeout', 'write-concern', 'duplicate-key', 'other'];

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** What the API reports, and its exposition. */
export interface ApiMetrics {
  /** A request arrived (counted in flight until it ends). */
  requestStarted(): void;
  /** A request was answered: its method, route pattern, status, duration and whether it was a replay. */
  requestEnded(method: string, route: string, status: number, seconds: number, replayed: boolean): void;
  mongoError(kind: MongoErrorKind): void;
  /** One insert command of creates was sent, carrying `documents` products (grouped-inserts.ts). */
  insertCommand(documents: number): void;
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
  const requests = new RequestMetrics();
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
  const insertDocuments = new Histogram({
    name: 'api_product_insert_documents',
    help: 'Products per insert command: creates of one event-loop turn share a command (API_INSERT_GROUP_MAX).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
    registers: [registry],
  });

  return {
    requestStarted() {
      requests.inFlight++;
    },
    requestEnded(method, route, status, seconds, replayed) {
      requests.inFlight--;
      requests.observe(KNOWN_METHODS.has(method) ? method : 'other', route, status, seconds);
      if (replayed) replays.inc();
    },
    mongoError(kind) {
      mongoErrors.inc({ kind });
    },
    insertCommand(documents) {
      insertDocuments.observe(documents);
    },
    async render() {
      const [api, process] = await Promise.all([registry.metrics(), processMetrics().metrics()]);
      return `${requests.render()}${api}\n${process}`;
    },
  };
}
