import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry, Gauge, Registry } from 'prom-client';
import type { Logger } from '../../common/logger.js';
import { requestUrl } from '../edge/http-endpoints.js';
import { METRICS_CONTENT_TYPE, type MetricsJson } from '../edge/metrics.js';
import type { WorkerPool } from './workers.js';

// The cluster primary's own port (RELAY_ADMIN_PORT): the whole relay, all workers together. On the
// shared port every request is answered by whichever worker the primary handed it to, so /readyz and
// /metrics there describe one worker; here they describe the service:
//   GET /readyz   200 when every worker asked for is running, answered, is tailing and not draining;
//                 the body lists each worker. 503 otherwise, and while the primary shuts down.
//   GET /metrics  the workers' metrics aggregated by prom-client (counters and gauges summed over
//                 workers, e.g. relay_clients is every worker's clients), plus relay_workers and
//                 relay_workers_answering. A worker that does not answer within 2 s is left out.
//   GET /healthz  200 while the primary runs.

/** The primary's HTTP server. */
export interface ClusterAdmin {
  http: Server;
  listen(port: number, host: string): Promise<number>;
  /** /readyz answers 503 from now on. */
  drain(): void;
  close(): Promise<void>;
}

/** Builds the primary's server over `pool`; nothing listens until listen(). */
export function createClusterAdmin({ pool, logger }: { pool: WorkerPool; logger: Logger }): ClusterAdmin {
  const log = logger.child({ component: 'admin' });
  let draining = false;

  const readiness = async () => {
    const answers = await pool.ask('status');
    const workers = answers.map(({ worker, pid, answer }) =>
      answer?.status ? { worker, pid, ...answer.status } : { worker, pid, answered: false },
    );
    const good = answers.filter(({ answer }) => answer?.status?.stream && !answer.status.draining).length;
    const ready = !draining && good === pool.size;
    const clients = answers.reduce((sum, { answer }) => sum + (answer?.status?.clients ?? 0), 0);
    return {
      ready,
      body: {
        status: ready ? 'ready' : 'not ready',
        workers: pool.size,
        running: pool.alive(),
        ready: good,
        draining,
        clients,
        each: workers,
      },
    };
  };

  const metrics = async () => {
    const answers = await pool.ask('metrics');
    const lists: MetricsJson[] = answers.flatMap(({ answer }) => (answer?.metrics ? [answer.metrics] : []));
    const own = new Registry();
    new Gauge({ name: 'relay_workers', help: 'Worker processes running (RELAY_WORKERS asked for).', registers: [own] }).set(pool.alive());
    new Gauge({ name: 'relay_workers_answering', help: 'Workers whose metrics are included in this scrape.', registers: [own] }).set(
      lists.length,
    );
    const whole = lists.length ? await AggregatorRegistry.aggregate(lists).metrics() : '';
    return `${await own.metrics()}\n${whole}`;
  };

  const http = createServer({ headersTimeout: 10_000, requestTimeout: 10_000 }, (request: IncomingMessage, response: ServerResponse) => {
    const path = requestUrl(request.url)?.pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (path === '/healthz') return send(response, 200, 'application/json', JSON.stringify({ status: 'ok', workers: pool.alive() }));
    if (path === '/readyz') {
      readiness().then(
        ({ ready, body }) => send(response, ready ? 200 : 503, 'application/json', JSON.stringify(body)),
        (error: unknown) => fail(response, error),
      );
      return;
    }
    if (path === '/metrics') {
      metrics().then(
        (body) => send(response, 200, METRICS_CONTENT_TYPE, body),
        (error: unknown) => fail(response, error),
      );
      return;
    }
    send(response, 404, 'text/plain; charset=utf-8', 'not found: the relay cluster answers /healthz, /readyz and /metrics here\n');
  });

  const fail = (response: ServerResponse, error: unknown) => {
    log.error({ err: error }, 'admin request failed');
    send(response, 500, 'text/plain; charset=utf-8', 'unavailable\n');
  };

  return {
    http,
    listen: (port, host) =>
      new Promise<number>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          resolve((http.address() as AddressInfo).port);
        });
      }),
    drain: () => void (draining = true),
    close: () =>
      new Promise<void>((resolve) => {
        if (!http.listening) return resolve();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
