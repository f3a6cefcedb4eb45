import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CloseCode } from '../../contract/close-codes.js';
import type { EdgeStats } from './edge-stats.js';
import type { FeedTimes } from '../delivery/feed-times.js';
import type { HubStats } from '../delivery/hub-types.js';
import type { ResetReason } from '../../contract/protocol.js';
import type { Tally } from '../tally.js';

// GET /metrics in the Prometheus text format, with prom-client. The relay's own metrics cost nothing
// while it works: the hub and the edge keep plain counters (hub.stats(), the server's stats()), and
// every metric reads them through `collect` when scraped, from one snapshot per scrape. No prom-client
// call on the delivery path, nothing per connection.
//
// Process metrics (CPU, memory, heap, event-loop lag, GC, file descriptors) belong to the process, not
// to one relay: they are registered once per process. prom-client counts CPU and GC from registration,
// so relay/main.ts starts them at boot; a relay built elsewhere (tests) gets them at its first scrape.

/** The content type of the text exposition format 0.0.4. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Renders the relay's metrics. */
export interface RelayMetrics {
  /** The exposition text: the relay's metrics, then the process's. */
  render(): Promise<string>;
  /** The same metrics as prom-client JSON, for a cluster primary to aggregate over its workers. */
  json(): Promise<MetricsJson>;
}

/** prom-client's JSON form of one registry's metrics. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

interface Snapshot {
  hub: HubStats;
  edge: EdgeStats;
  feed: FeedTimes;
  /** Wall clock of the scrape, in seconds. */
  now: number;
}

// Label values shown (at 0) before they first happen, so a rate() over them has a start.
const closeCodes: number[] = Object.values(CloseCode);
const refusalStatuses = [400, 401, 403, 404, 405, 429, 503];
// A record, so a new ResetReason that is not listed here fails to compile.
const resetReasons = Object.keys({ 'history-lost': 0, 'unknown-position': 0, 'relay-position-lost': 0 } satisfies Record<
  ResetReason,
  0
>) as ResetReason[];

let processRegistry: Registry | undefined;
/** Starts the process metrics (once per process; later calls return the same registry). */
export function startProcessMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Creates the relay's metrics over its hub's and edge's numbers. */
export function createRelayMetrics({
  hub,
  edge,
  feed = () => ({}),
  clock = Date.now,
}: {
  hub: () => HubStats;
  edge: () => EdgeStats;
  feed?: () => FeedTimes;
  clock?: () => number;
}): RelayMetrics {
  const registry = new Registry();
  const snapshot = (): Snapshot => ({ hub: hub(), edge: edge(), feed: feed(), now: clock() / 1000 });
  // Taken at the start of each scrape; every collect below runs in that same tick.
  let now: Snapshot | undefined;
  const current = (): Snapshot => (now ??= snapshot());

  const gauge = (name: string, help: string, read: (s: Snapshot) => number | boolean) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(Number(read(current())));
      },
    });
  const counter = (name: string, help: string, read: (s: Snapshot) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(current()));
      },
    });
  const counterBy = <K extends string | number>(
    name: string,
    help: string,
    label: string,
    known: readonly K[],
    read: (s: Snapshot) => Tally<K>[],
  ) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const key of known) this.inc({ [label]: String(key) }, 0);
        for (const tally of read(current())) for (const [key, count] of tally.entries()) this.inc({ [label]: String(key) }, count);
      },
    });

  gauge('relay_clients', 'Open WebSocket connections.', (s) => s.edge.clients);
  gauge('relay_clients_held', 'Clients waiting for the change stream to open before their welcome or reset.', (s) => s.hub.heldForFeed);
  gauge(
    'relay_subscription_groups',
    'Distinct subscriptions among live clients (each batch is matched once per group).',
    (s) => s.hub.groups,
  );
  gauge('relay_history_events', 'Events held in the in-memory history.', (s) => s.hub.historyEvents);
  gauge('relay_history_bytes', 'Bytes of encoded events held in the in-memory history.', (s) => s.hub.historyBytes);
  gauge('relay_catchup_streams_open', 'Catch-up change streams open.', (s) => s.hub.catchUp.open);
  gauge('relay_catchup_streams_queued', 'Catch-up requests waiting for a stream slot.', (s) => s.hub.catchUp.queued);
  gauge(
    'relay_catchup_clients_waiting',
    'Caught-up clients waiting for the live feed to reach their position.',
    (s) => s.hub.catchUp.waiting,
  );
  gauge(
    'relay_catchup_streams_open_peak',
    'Most catch-up change streams open at once since the relay started.',
    (s) => s.hub.catchUp.peakOpen,
  );
  gauge('relay_change_stream_ready', '1 while the change stream is open (tailing), else 0.', (s) => s.hub.ready);
  // NaN (shown as NaN, which Prometheus stores as a gap) until the first event: there is no lag to speak of yet.
  gauge(
    'relay_change_stream_lag_seconds',
    'When the last batch of events arrived minus the cluster time of its last event (1 s resolution).',
    (s) => s.feed.lagSeconds ?? NaN,
  );
  gauge(
    'relay_position_age_seconds',
    "Now minus the cluster time of the relay's position (its last event); grows while nothing is written.",
    (s) => (s.feed.lastEventClusterSeconds === undefined ? NaN : Math.max(0, s.now - s.feed.lastEventClusterSeconds)),
  );
  gauge(
    'relay_last_event_cluster_time_seconds',
    'Cluster time (unix seconds) of the last event received from the change stream.',
    (s) => s.feed.lastEventClusterSeconds ?? NaN,
  );
  gauge('relay_draining', '1 while the relay is shutting down, else 0.', (s) => s.edge.draining);

  counter(
    'relay_change_stream_reopens_total',
    'Times the change stream was open again after it had failed or closed.',
    (s) => s.hub.sourceReopens,
  );
  counter(
    'relay_events_received_total',
    'Events received from the change stream (repeats after a reopen not counted).',
    (s) => s.hub.eventsReceived,
  );
  counter(
    'relay_event_deliveries_total',
    'Event messages written to clients (live, history replay and catch-up).',
    (s) => s.hub.delivered.messages,
  );
  counter(
    'relay_delivered_bytes_total',
    'Bytes of event messages written to clients, WebSocket framing included.',
    (s) => s.hub.delivered.bytes,
  );
  counter('relay_connections_total', 'WebSocket upgrades accepted (101).', (s) => s.edge.accepted);
  counter('relay_heartbeat_timeouts_total', 'Connections terminated for missing a pong.', (s) => s.edge.heartbeatTimeouts);
  counterBy(
    'relay_upgrades_refused_total',
    'WebSocket upgrades refused before the 101, by HTTP status.',
    'status',
    refusalStatuses,
    (s) => [s.edge.refused],
  );
  counterBy(
    'relay_http_bad_requests_total',
    'Requests the HTTP parser rejected (400 malformed, 408 too slow, 431 headers too large).',
    'status',
    [400, 408, 431],
    (s) => [s.edge.badRequests],
  );
  counterBy('relay_clients_closed_total', 'Connections the relay closed, by the close code it sent.', 'code', closeCodes, (s) => [
    s.edge.closed,
    s.hub.closed,
  ]);
  counterBy('relay_resets_total', 'reset messages written to clients, by reason.', 'reason', resetReasons, (s) => [s.hub.resets]);

  return {
    async render() {
      now = snapshot();
      const [relay, process] = await Promise.all([registry.metrics(), startProcessMetrics().metrics()]);
      return `${relay}\n${process}`;
    },
    async json() {
      now = snapshot();
      const [relay, process] = await Promise.all([registry.getMetricsAsJSON(), startProcessMetrics().getMetricsAsJSON()]);
      return [...relay, ...process];
    },
  };
}
