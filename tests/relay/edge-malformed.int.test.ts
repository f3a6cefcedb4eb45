import { describe, expect, it } from 'vitest';
import { MALFORMED_RELAY_INPUTS, VALID_RELAY_TOKEN, malformedRelayConfig } from './malformed-connections.js';
import { answerRelayInput } from './malformed-runner.js';
import { connect, insertEvent, startRelay } from './relay-harness.js';

// Every malformed input gets its documented answer while a healthy client keeps receiving events.

describe('relay under malformed input', () => {
  it('has at least 120 malformed inputs, each named once', () => {
    expect(MALFORMED_RELAY_INPUTS.length).toBeGreaterThanOrEqual(120);
    expect(new Set(MALFORMED_RELAY_INPUTS.map((input) => input.name)).size).toBe(MALFORMED_RELAY_INPUTS.length);
  });

  it('answers each with its documented status or close code, never 5xx, while a healthy client keeps receiving events', async () => {
    const edge = await startRelay({ ...malformedRelayConfig, heartbeatMs: 2_000 });
    try {
      const healthy = await connect(`${edge.ws}/?access_token=${VALID_RELAY_TOKEN}`);
      const observed: Array<{ name: string; expected: unknown; got: unknown }> = [];
      let pushed = 0;
      // A few at a time: enough to overlap inputs, few enough not to trip the connection limit or the CPU.
      const queue = [...MALFORMED_RELAY_INPUTS];
      const workers = Array.from({ length: 6 }, async () => {
        for (let input = queue.shift(); input; input = queue.shift()) {
          const got = await answerRelayInput('127.0.0.1', edge.port, input);
          observed.push({ name: input.name, expected: input.expect, got });
          edge.source.push(insertEvent(++pushed));
        }
      });
      await Promise.all(workers);

      const wrong = observed.filter((entry) => JSON.stringify(entry.expected) !== JSON.stringify(entry.got));
      expect(wrong).toEqual([]);
      expect(observed.filter((entry) => 'http' in (entry.got as object) && (entry.got as { http: number }).http >= 500)).toEqual([]);

      await expect
        .poll(() => healthy.messages.filter((message) => message.type === 'event').length === pushed, {
          message: 'every event',
          timeout: 10_000,
        })
        .toBe(true);
      const ids = healthy.messages.flatMap((message) => (message.type === 'event' ? [message.id] : []));
      expect(ids).toEqual(Array.from({ length: pushed }, (_, index) => insertEvent(index + 1).id));
      expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
      expect((await fetch(`${edge.http}/healthz`)).status).toBe(200);
      healthy.ws.close();
    } finally {
      await edge.close();
    }
  });
});
