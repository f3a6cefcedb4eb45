import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { silentLogger } from '../../common/logger.js';
import { relayConfig } from '../../relay/config.js';
import { createManualSource } from '../../relay/delivery/manual-source.js';
import { createRelay, type Relay } from '../../relay/relay.js';
import { failingStores } from '../api/stub-stores.js';
import { metricFamilies } from '../harness/prometheus-text.js';
import { loadCompose } from './compose-file.js';

// The `monitoring` profile: Prometheus scrapes the services where they listen, and every metric the
// provisioned Grafana dashboard queries is one that the api or the relay really exports (a renamed
// metric would otherwise leave an empty panel that nobody notices until an incident).

const root = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');
const dashboard = JSON.parse(read('deploy/grafana/dashboards/mongo-live-relay.json')) as {
  uid: string;
  panels: { title: string; datasource: { uid: string }; targets: { expr: string; datasource: { uid: string } }[] }[];
};

// PromQL words that are not metric names: functions, aggregations, keywords.
const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'rate',
  'irate',
  'increase',
  'delta',
  'histogram_quantile',
  'clamp_min',
  'clamp_max',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'abs',
  'time',
  'topk',
  'bottomk',
]);

/** The metric names a PromQL expression reads (label matchers, grouping labels, ranges and strings removed). */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
    .replace(/(?<![a-zA-Z0-9_:])\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi, '');
  return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .map((match) => match[0])
    .filter((word) => !PROMQL_WORDS.has(word) && !/^\d/.test(word));
}

/** Exported metric names, with the series a histogram or summary adds. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const family of metricFamilies(text)) for (const suffix of ['', '_bucket', '_sum', '_count']) names.add(family + suffix);
  return names;
}

const METRICS_TOKEN = 'operators-only-metrics-token';
let relay: Relay;
let exported: Set<string>;
beforeAll(async () => {
  const api = createApp({ logger: silentLogger(), ...failingStores(new Error('unused')), ready: async () => true });
  relay = createRelay({
    config: relayConfig({ drainMs: 0, metricsToken: METRICS_TOKEN }),
    source: createManualSource(),
    logger: silentLogger(),
  });
  const port = await relay.listen(0, '127.0.0.1');
  const texts = [
    await (await api.request('/metrics')).text(),
    await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text(),
  ];
  exported = new Set(texts.flatMap((text) => [...exportedNames(text)]));
});
afterAll(() => relay?.close());

describe('the Grafana dashboard', () => {
  it('queries only metrics the api or the relay exports', () => {
    const queried = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) => metricsOf(target.expr).map((name) => `${panel.title}: ${name}`)),
    );
    expect(queried.length).toBeGreaterThan(20);
    const missing = queried.filter((entry) => !exported.has(entry.split(': ')[1] ?? ''));
    expect(missing).toEqual([]);
  });

  it('would notice a metric that is not exported', () => {
    expect(metricsOf('sum by (route) (rate(api_http_requests_totl{status=~"5.."}[5m])) / clamp_min(x_total, 1e-9)')).toEqual([
      'api_http_requests_totl',
      'x_total',
    ]);
    expect(exported.has('api_http_requests_totl')).toBe(false);
  });

  it('covers what operators of the pipeline need: API traffic, errors, grouped inserts, lag, position age, throughput, catch-up, resets', () => {
    const queried = new Set(dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => metricsOf(target.expr))));
    for (const name of [
      'api_http_requests_total',
      'api_http_request_duration_seconds_bucket',
      'api_http_requests_in_flight',
      'api_mongo_errors_total',
      'api_idempotent_replays_total',
      'api_product_insert_documents_sum',
      'relay_change_stream_lag_seconds',
      'relay_position_age_seconds',
      'relay_events_received_total',
      'relay_event_deliveries_total',
      'relay_catchup_streams_open',
      'relay_catchup_streams_queued',
      'relay_resets_total',
    ])
      expect(queried, name).toContain(name);
  });

  it('reads from the provisioned Prometheus data source', () => {
    const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; url: string }[];
    };
    const uid = datasources.datasources[0]?.uid;
    expect(datasources.datasources[0]?.url).toBe('http://prometheus:9090');
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(uid);
      for (const target of panel.targets) expect(target.datasource.uid, panel.title).toBe(uid);
    }
  });
});

describe('Prometheus in the monitoring profile', () => {
  const compose = loadCompose(resolve(root, 'docker-compose.yml'), {
    MONGO_KEYFILE: 'k',
    MONGO_ROOT_PASSWORD: 'r',
    MONGO_APP_PASSWORD: 'a',
    GRAFANA_ADMIN_PASSWORD: 'g',
  });
  const config = parse(read('deploy/prometheus.yml')) as {
    scrape_configs: {
      job_name: string;
      metrics_path?: string;
      static_configs?: { targets: string[] }[];
      dns_sd_configs?: { names: string[]; port: number }[];
    }[];
  };
  const targets = config.scrape_configs.flatMap((job) => [
    ...(job.static_configs ?? []).flatMap((group) => group.targets),
    ...(job.dns_sd_configs ?? []).flatMap((sd) => sd.names.map((name) => `${name}:${sd.port}`)),
  ]);

  it('scrapes /metrics of the api, the relay and every scaled relay on their metrics port (9464)', () => {
    expect(targets).toEqual(expect.arrayContaining(['api:9464', 'relay:9464', 'relay-scaled:9464']));
    for (const job of config.scrape_configs.filter((job) => job.job_name !== 'prometheus'))
      expect(job.metrics_path, job.job_name).toBe('/metrics');
    for (const target of targets.filter((target) => !target.startsWith('localhost'))) {
      expect(Object.keys(compose.services), target).toContain(target.split(':')[0]);
    }
  });

  it('mounts this configuration and the dashboard where Prometheus and Grafana read them', () => {
    expect(compose.services.prometheus?.volumes).toContain('./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(compose.services.grafana?.volumes).toEqual(
      expect.arrayContaining([
        './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
        './deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ]),
    );
    const provider = parse(read('deploy/grafana/provisioning/dashboards/mongo-live-relay.yml')) as {
      providers: { options: { path: string } }[];
    };
    expect(provider.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards');
    for (const name of ['prometheus', 'grafana']) expect(compose.services[name]?.profiles).toEqual(['monitoring']);
  });
});
