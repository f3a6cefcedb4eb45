import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiConfigSchema } from '../../api/config.js';
import { silentLogger } from '../../common/logger.js';
import { CloseCode, closeCodeRetry } from '../../contract/close-codes.js';
import { relayConfig, relayConfigSchema } from '../../relay/config.js';
import { createHub } from '../../relay/delivery/hub.js';
import { createManualSource } from '../../relay/delivery/manual-source.js';
import { createEdgeCounters } from '../../relay/edge/edge-stats.js';
import { createRelayMetrics } from '../../relay/edge/metrics.js';
import { stackConfigSchema } from '../../stack/config.js';

// The docs' tables that mirror code (configuration variables, close codes, metrics) are checked
// against the code they describe: a variable, code or metric added, removed or changed in one place
// and not the other fails here, naming it.

const root = resolve(import.meta.dirname, '../..');
const page = (name: string) => readFileSync(resolve(root, 'docs', name), 'utf8');

/** The body rows of the first markdown table after `heading`, as trimmed cells. */
function tableAfter(text: string, heading: string): string[][] {
  const start = text.indexOf(heading);
  expect(start, `${heading} is in the page`).toBeGreaterThanOrEqual(0);
  const lines = text.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const code = (cell: string) => /^`([^`]*)`$/.exec(cell)?.[1];

describe('reference tables in docs/', () => {
  describe('the configuration table (docs/operations.md)', () => {
    const rows = tableAfter(page('operations.md'), '## Configuration');
    const documented = new Map(rows.map(([name = '', fallback = '', readers = '']) => [code(name) ?? name, { fallback, readers }]));
    const services = { api: apiConfigSchema, relay: relayConfigSchema, stack: stackConfigSchema } as const;

    it.each(Object.keys(services) as (keyof typeof services)[])(
      'lists every variable the %s reads, as read by it, with its default',
      (service) => {
        const schema = services[service];
        const defaults = schema.parse({}) as Record<string, unknown>;
        for (const name of Object.keys(schema.shape)) {
          const row = documented.get(name);
          expect(row, `${name} is in the table`).toBeDefined();
          expect(row!.readers.split(/,\s*/), `${name} is read by ${service}`).toContain(service);
          const fallback = code(row!.fallback);
          if (fallback !== undefined && defaults[name] !== undefined) expect(String(defaults[name]), `default of ${name}`).toBe(fallback);
        }
      },
    );

    it('names no variable as read by a service that does not read it', () => {
      for (const [name, { readers }] of documented) {
        for (const [service, schema] of Object.entries(services)) {
          if (readers.split(/,\s*/).includes(service)) expect(Object.keys(schema.shape), `${service} reads ${name}`).toContain(name);
        }
      }
    });
  });

  it('the close-code table (docs/relay.md) has every code of contract/close-codes.ts and its retry rule', () => {
    const rows = tableAfter(page('relay.md'), '### Close codes');
    const documented = new Map(
      rows.map(([value = '', , should = '']) => [Number(value), should.startsWith('stop') ? 'stop' : 'reconnect']),
    );
    const inCode = new Map(Object.values(CloseCode).map((value) => [value as number, closeCodeRetry[value]]));
    expect(documented).toEqual(inCode);
  });

  it('the metrics table (docs/relay.md) lists exactly the relay_* metrics /metrics serves, and every close code label', async () => {
    const hub = createHub({ config: relayConfig(), source: createManualSource(), logger: silentLogger() });
    const edge = { ...createEdgeCounters(), clients: 0, draining: false };
    const text = await createRelayMetrics({ hub: () => hub.stats(), edge: () => edge }).render();
    const served = new Set([...text.matchAll(/^# TYPE (relay_\w+) /gm)].map((match) => match[1]!));
    const rows = tableAfter(page('relay.md'), '### Metrics');
    const documented = new Set(rows.flatMap(([names = '']) => [...names.matchAll(/`(relay_\w+)(?:\{\w+\})?`/g)].map((match) => match[1]!)));
    expect([...documented].sort()).toEqual([...served].sort());
    const closedRow = rows.find(([names = '']) => names.includes('relay_clients_closed_total'))!.join(' ');
    for (const value of Object.values(CloseCode))
      expect(closedRow, `close code ${value} in the relay_clients_closed_total row`).toMatch(new RegExp(`\\b${value}\\b`));
  });
});
