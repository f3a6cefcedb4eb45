import type { Collection, Document } from 'mongodb';
import { silentLogger } from '../../common/logger.js';
import { createCatchUpOpener } from '../../relay/mongo/catch-up-opener.js';
import { createChangeFeed } from '../../relay/mongo/change-feed.js';
import { relayConfig, type RelayConfig } from '../../relay/config.js';
import { createRelay, type Relay } from '../../relay/relay.js';
import { vi } from 'vitest';

// A relay tailing a real change stream (on whatever backend the harness chose), on 127.0.0.1:0.

export interface MongoTestRelay {
  relay: Relay;
  url: string;
  close(): Promise<void>;
}

/** Starts a relay on `collection` and waits until its change stream is open. */
export async function startMongoRelay(collection: Collection<Document>, overrides: Partial<RelayConfig> = {}): Promise<MongoTestRelay> {
  const config = relayConfig({ host: '127.0.0.1', port: 0, drainMs: 0, ...overrides });
  const logger = silentLogger();
  const relay = createRelay({
    config,
    source: createChangeFeed({ collection, logger, maxAwaitTimeMS: 200, initialBackoffMs: 50, maxBackoffMs: 500 }),
    catchUp: createCatchUpOpener({ collection, maxAwaitTimeMS: 200 }),
    logger,
  });
  const port = await relay.listen(0, '127.0.0.1');
  await vi.waitFor(
    () => {
      if (!relay.hub.ready) throw new Error('waiting for the change stream to open');
    },
    { timeout: 10_000, interval: 10 },
  );
  return { relay, url: `ws://127.0.0.1:${port}/`, close: () => relay.close() };
}

/** A product document as the API stores it. */
export function productDoc(n: number, talla = 'L'): Document {
  const now = new Date(1_700_000_000_000 + n * 1000);
  return { nombre: `producto ${n}`, precio: n + 0.5, talla, createdAt: now, updatedAt: now };
}
