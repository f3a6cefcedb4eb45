import type { TimedEvent } from './catch-up-types.js';
import { concatFrames, onceDrained, writeFrames, type Encoded } from './frames.js';
import type { HubClient } from './hub-client.js';
import { matches } from './subscription-match.js';

// Writing a catch-up stream's events to the clients riding on it: matched once per distinct
// subscription, one write per client per chunk, and paced so the stream never outruns its clients'
// sockets (a client that stays full is closed as slow; the stream does not wait on it for long).

/** How long a catch-up stream waits for a full socket to drain before closing its client. */
const DRAIN_WAIT_MS = 5_000;

/** A catch-up event serialised once. */
export interface EncodedEvent {
  item: TimedEvent;
  encoded: Encoded;
}

/** Writes `events` to each client, closing (via `closeSlow`) any whose unsent bytes pass `maxBufferedBytes`. */
export function writeToClients(
  clients: Iterable<HubClient>,
  events: readonly EncodedEvent[],
  maxBufferedBytes: number,
  closeSlow: (client: HubClient, reason: string) => void,
): void {
  if (events.length === 0) return;
  const bySubscription = new Map<string, { frames: Buffer; messages: Encoded[] } | null>();
  for (const client of [...clients]) {
    let shared = bySubscription.get(client.key);
    if (shared === undefined) {
      const messages = events.filter(({ item }) => matches(client.subscription, item.event)).map((entry) => entry.encoded);
      shared = messages.length > 0 ? { frames: concatFrames(messages), messages } : null;
      bySubscription.set(client.key, shared);
    }
    if (shared && writeFrames(client.ws, shared.frames, shared.messages) && client.ws.bufferedAmount > maxBufferedBytes) {
      closeSlow(client, 'client too slow');
    }
  }
}

/** Resolves once every client has room again (below half the bound); closes those that stay full. */
export async function drained(clients: Iterable<HubClient>, maxBufferedBytes: number, closeSlow: (client: HubClient, reason: string) => void): Promise<void> {
  const full = [...clients].filter((client) => client.ws.bufferedAmount >= maxBufferedBytes / 2);
  await Promise.all(
    full.map(
      (client) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            closeSlow(client, 'client too slow during catch-up');
            resolve();
          }, DRAIN_WAIT_MS);
          const waiting = onceDrained(client.ws, () => {
            clearTimeout(timer);
            resolve();
          });
          if (!waiting) {
            clearTimeout(timer);
            resolve();
          }
        }),
    ),
  );
}
