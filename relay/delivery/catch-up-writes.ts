import type { TimedEvent } from './catch-up-source.js';
import { concatFrames, writeFrames, type Delivered, type Encoded } from './frames.js';
import type { HubClient } from './client-lifecycle.js';
import type { BufferWatcher } from './buffer-watcher.js';
import { matches } from './subscription-match.js';

// Writing a catch-up stream's events to the clients riding on it: matched once per distinct
// subscription, one write per client per chunk, and paced so the stream never outruns its clients'
// sockets. A client that stops reading is closed as slow; the stream never waits on it for longer
// than the stall time.

/** A catch-up event serialised once. */
export interface EncodedEvent {
  item: TimedEvent;
  encoded: Encoded;
}

/** Writes `events` to each client (the caller keeps chunks within half the bound, see drained()); counts them in `delivered`. */
export function writeToClients(clients: Iterable<HubClient>, events: readonly EncodedEvent[], delivered: Delivered): void {
  if (events.length === 0) return;
  const bySubscription = new Map<string, { frames: Buffer; messages: Encoded[] } | null>();
  for (const client of [...clients]) {
    let shared = bySubscription.get(client.key);
    if (shared === undefined) {
      const messages = events.filter(({ item }) => matches(client.subscription, item.event)).map((entry) => entry.encoded);
      shared = messages.length > 0 ? { frames: concatFrames(messages), messages } : null;
      bySubscription.set(client.key, shared);
    }
    if (shared && writeFrames(client.ws, shared.frames, shared.messages)) {
      delivered.messages += shared.messages.length;
      delivered.bytes += shared.frames.length;
    }
  }
}

/** Resolves once every client has fewer than `below` unsent bytes; closes (via `closeSlow`) those that stop reading. */
export async function drained(
  clients: Iterable<HubClient>,
  below: number,
  buffers: BufferWatcher,
  closeSlow: (client: HubClient, reason: string) => void,
): Promise<void> {
  const full = [...clients].filter((client) => client.ws.bufferedAmount >= below);
  await Promise.all(
    full.map(
      (client) =>
        new Promise<void>((resolve) => {
          buffers.wait(client.ws, below, resolve, () => {
            closeSlow(client, 'client stopped reading');
            resolve();
          });
        }),
    ),
  );
}
