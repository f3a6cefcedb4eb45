import { metric, type Spread } from './report.js';
import type { RunResult } from './results.js';

// The lines of the scale scenarios (connections, storm, ingest): one per run, and their medians with
// min–max beside Socket.IO's.

const n = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
const fmt = (s: Spread, digits = 0, unit = '') =>
  s.runs ? `${n(s.median, digits)}${unit} (${n(s.min, digits)}–${n(s.max, digits)})` : 'n/a';

/** The measurements of one scale run, or undefined for another scenario. */
export function scaleParts(run: RunResult): string[] | undefined {
  const c = run.connections;
  if (c) {
    return [
      `held ${n(c.held)} of ${n(c.asked)} (${c.workers} workers, ${c.loadProcesses} load processes)`,
      `connect ${n(c.connectRate)}/s (${n(c.connectSeconds, 1)} s)`,
      `RSS ${n(c.rssPerConnectionKiB, 2)} KiB/conn (${n(c.rssMiB)} MiB in all)`,
      `${c.events} events → ${n(run.deliveries ?? 0)} deliveries`,
      ...(run.latency ? [`delivery p50 ${n(run.latency.p50, 1)} ms p99 ${n(run.latency.p99, 1)} ms max ${n(run.latency.max, 1)} ms`] : []),
      ...(c.cpu
        ? [`CPU per delivery: ${run.target} ${n(c.cpu.targetMicrosPerDelivery, 2)} µs, load ${n(c.cpu.loadMicrosPerDelivery, 2)} µs`]
        : []),
    ];
  }
  const s = run.storm;
  if (s) {
    return [
      `${n(s.clients)} clients back after ${n(s.missed)} missed events: all caught up in ${n(s.catchUpMs)} ms, next event live to all in ${n(s.liveMs, 1)} ms`,
      `reconnected ${n(s.reconnected)} (${n(s.retried ?? 0)} retries) · duplicates ${n(s.duplicates)} · catch-up streams ${s.catchUpStreamsPeak === null ? 'n/a' : n(s.catchUpStreamsPeak)} · peak RSS ${n(s.peakRssMiB)} MiB`,
    ];
  }
  const i = run.ingest;
  if (i) {
    return [
      `${n(i.eventsPerSecond)} change events/s to ${i.clients} clients (written ${n(i.writtenPerSecond)}/s, ${n(i.events)} events)`,
      `CPU ${i.cpu.map((entry) => `${entry.process} ${n(entry.microsPerEvent, 1)} µs/event (${n(entry.percent)}%)`).join(', ')}`,
      `limit: ${i.bottleneck}`,
    ];
  }
  return undefined;
}

/** The medians of the scale scenarios that ran. */
export function formatScaleMedians(runs: RunResult[]): string[] {
  const lines: string[] = [];
  const targets = (scenario: 'connections' | 'storm') => [
    ...new Set(runs.filter((run) => run.scenario === scenario).map((run) => run.target)),
  ];
  if (targets('connections').length) {
    lines.push('connections: held · connect/s · RSS KiB/conn · delivery p50 / p99 ms, median (min–max)');
    for (const target of targets('connections')) {
      const pick = (read: (run: RunResult) => number | undefined, digits = 0) => fmt(metric(runs, 'connections', target, read), digits);
      lines.push(
        `  ${target.padEnd(8)} ${pick((run) => run.connections?.held)} · ${pick((run) => run.connections?.connectRate)}/s · ${pick((run) => run.connections?.rssPerConnectionKiB, 2)} · ${pick((run) => run.latency?.p50, 1)} / ${pick((run) => run.latency?.p99, 1)}`,
      );
    }
  }
  if (targets('storm').length) {
    const socketio = metric(runs, 'storm', 'socketio', (run) => run.storm?.catchUpMs).median;
    lines.push('storm: every client caught up, ms, median (min–max)');
    for (const target of targets('storm')) {
      const catchUp = metric(runs, 'storm', target, (run) => run.storm?.catchUpMs);
      lines.push(
        `  ${target.padEnd(8)} ${fmt(catchUp).padEnd(28)} ${n(socketio / catchUp.median, 1)}× faster than Socket.IO · peak RSS ${fmt(metric(runs, 'storm', target, (run) => run.storm?.peakRssMiB))} MiB`,
      );
    }
  }
  const ingest = metric(runs, 'ingest', 'relay', (run) => run.ingest?.eventsPerSecond);
  if (ingest.runs) {
    const relayCpu = metric(runs, 'ingest', 'relay', (run) => run.ingest?.cpu.find((entry) => entry.process === 'relay')?.microsPerEvent);
    lines.push(`ingest: ${fmt(ingest)} change events/s through one relay · relay CPU ${fmt(relayCpu, 1)} µs/event`);
  }
  return lines;
}
