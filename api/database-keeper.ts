import type { Db, MongoClient, ServerDescriptionChangedEvent } from 'mongodb';
import { connectUntilReachable } from '../common/mongo-connect.js';
import type { Logger } from '../common/logger.js';
import { ensureIndexes } from './indexes.js';

// The API's side of "heal from any MongoDB state": it listens at once and connects in the background
// however long MongoDB takes (readyz 503 meanwhile), and makes sure its indexes exist after every
// reconnect to a primary, since a restored or restarted MongoDB may have lost them. No index is
// needed for correctness (idempotency keys are _ids); they serve the list's order and the keys' TTL.

/** What keepDatabase reports. */
export interface DatabaseKeeper {
  /** Connected once (the driver's monitoring heals later outages by itself). */
  connected(): boolean;
  /** Resolves when connected and the indexes were ensured once, or when stopped first. */
  readonly settled: Promise<void>;
}

/** Options of keepDatabase. */
export interface KeeperOptions {
  client: MongoClient;
  db: Db;
  logger: Logger;
  signal: AbortSignal;
  shownUrl?: string;
}

/** Starts connecting `client` and keeping `db`'s indexes; stops retrying when `signal` aborts. */
export function keepDatabase({ client, db, logger, signal, shownUrl }: KeeperOptions): DatabaseKeeper {
  let connected = false;
  let ensuring: Promise<void> | undefined;

  const ensure = (why: string): Promise<void> => {
    ensuring ??= ensureIndexes(db)
      .then(() => logger.debug({ why }, 'indexes ensured'))
      .catch((error: unknown) => {
        if (isDuplicateKey(error))
          logger.error({ err: error, why }, 'an index cannot be built: duplicate keys in the data (see the error for the index and key)');
        else logger.warn({ err: error, why }, 'could not ensure indexes; will try again at the next reconnect');
      })
      .finally(() => (ensuring = undefined));
    return ensuring;
  };

  // A server that comes back as primary after being unknown is a reconnect: its indexes may be gone.
  const onChange = (event: ServerDescriptionChangedEvent) => {
    const wasUsable = ['RSPrimary', 'Standalone'].includes(event.previousDescription.type);
    const isUsable = ['RSPrimary', 'Standalone'].includes(event.newDescription.type);
    if (connected && isUsable && !wasUsable) void ensure('reconnected to a primary');
  };
  client.on('serverDescriptionChanged', onChange);
  signal.addEventListener('abort', () => client.off('serverDescriptionChanged', onChange), { once: true });

  const settled = (async () => {
    if (!(await connectUntilReachable(client, { logger, signal, ...(shownUrl ? { shownUrl } : {}) }))) return;
    connected = true;
    await ensure('start');
  })();
  return { connected: () => connected, settled };
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
