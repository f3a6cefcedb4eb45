import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import type { EventMessage } from '../../contract/protocol.js';
import { relayConfig } from '../../relay/config.js';
import { createManualSource } from '../../relay/delivery/manual-source.js';
import { createRelay, type Relay } from '../../relay/relay.js';
import { sampleValue } from '../harness/prometheus-text.js';
import { connect, insertEvent, type TestClient } from './relay-harness.js';

// What an operator of a change-stream pipeline watches and no peer shows: how far behind MongoDB the
// relay's tail is (lag at arrival) and how old its position is, from the events' cluster times.

const METRICS_TOKEN = 'operators-only-metrics-token';
let relay: Relay | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await relay?.close();
  relay = undefined;
});

describe('relay change-stream lag and position age', () => {
  it('reports no lag before the first event, then the lag of the last batch and the age of its position', async () => {
    let now = 1_700_000_003_500;
    const source = createManualSource();
    relay = createRelay({
      config: relayConfig({ drainMs: 0, metricsToken: METRICS_TOKEN }),
      source,
      logger: silentLogger(),
      clock: () => now,
    });
    const port = await relay.listen(0, '127.0.0.1');
    const scrape = async () =>
      (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();

    expect(sampleValue(await scrape(), 'relay_change_stream_lag_seconds')).toBeNaN();
    expect(sampleValue(await scrape(), 'relay_position_age_seconds')).toBeNaN();

    const client = await connect(`ws://127.0.0.1:${port}/`);
    clients.push(client);
    // Two events committed at 1_700_000_000 and arriving 3.5 s later (a relay falling behind).
    source.push(
      [insertEvent(1), insertEvent(2)],
      [
        { t: 1_699_999_999, i: 1 },
        { t: 1_700_000_000, i: 4 },
      ],
    );
    await client.next((message): message is EventMessage => message.type === 'event' && message.id === insertEvent(2).id);

    let text = await scrape();
    expect(sampleValue(text, 'relay_change_stream_lag_seconds')).toBe(3.5);
    expect(sampleValue(text, 'relay_position_age_seconds')).toBe(3.5);
    expect(sampleValue(text, 'relay_last_event_cluster_time_seconds')).toBe(1_700_000_000);
    expect(sampleValue(text, 'relay_events_received_total')).toBe(2);
    expect(sampleValue(text, 'relay_event_deliveries_total')).toBe(2);

    // Nothing written for 60 s: the position ages, the lag of the last arrival stays what it was.
    now += 60_000;
    text = await scrape();
    expect(sampleValue(text, 'relay_change_stream_lag_seconds')).toBe(3.5);
    expect(sampleValue(text, 'relay_position_age_seconds')).toBe(63.5);
  });
});
