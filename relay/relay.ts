import type { Logger } from '../common/logger.js';
import type { TlsMaterial } from '../common/tls.js';
import type { CatchUpOpener } from './delivery/catch-up-source.js';
import type { RelayConfig } from './config.js';
import type { EventSource } from './delivery/event-source.js';
import { tapFeedTimes } from './delivery/feed-times.js';
import { createHub, type RelayHub } from './delivery/hub.js';
import { createRelayServer, type RelayServer } from './edge/server.js';

// The relay assembled: delivery core (hub) behind the edge (HTTP + WebSocket server). Whoever creates
// it closes it; nothing listens until listen().

/** A relay ready to listen. */
export interface Relay {
  hub: RelayHub;
  /** Starts the event source, then listens; resolves the bound port (0 picks a free one). */
  listen(port?: number, host?: string): Promise<number>;
  /** Drains clients (1001 over drainMs), closes the port, stops the source and catch-up streams. */
  close(): Promise<void>;
  /** The relay's server; an https.Server (setSecureContext swaps certificates) when built with `tls`. */
  server: RelayServer;
}

/** Wires a hub over `source` into the relay's server. */
export function createRelay({
  config,
  source,
  catchUp,
  logger,
  healthy,
  tls,
  clock = Date.now,
}: {
  config: RelayConfig;
  source: EventSource;
  catchUp?: CatchUpOpener;
  logger: Logger;
  /** False once the process cannot heal (/healthz 503 before it exits). */
  healthy?: () => boolean;
  /** Serve https/wss with this certificate (read by the caller from config.tls). */
  tls?: TlsMaterial;
  /** Wall clock in ms, for the change-stream lag and position age on /metrics. */
  clock?: () => number;
}): Relay {
  const feed = tapFeedTimes(source, clock);
  const hub = createHub({ config, source: feed.source, logger, ...(catchUp ? { catchUp } : {}) });
  const server = createRelayServer({ config, hub, logger, tls, feedTimes: feed.times, clock, ...(healthy ? { healthy } : {}) });
  let started: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  return {
    hub,
    server,
    async listen(port = config.port, host = config.host) {
      started ??= hub.start();
      await started;
      return server.listen(port, host);
    },
    close() {
      closing ??= (async () => {
        await server.close();
        await hub.close();
      })();
      return closing;
    },
  };
}
