import type { Logger } from '../common/logger.js';
import type { TlsMaterial } from '../common/tls.js';
import type { CatchUpOpener } from './delivery/catch-up-source.js';
import type { RelayConfig } from './config.js';
import type { EventSource } from './delivery/event-source.js';
import { tapFeedTimes } from './delivery/feed-times.js';
import { createHub, type RelayHub } from './delivery/hub.js';
import { createRelayServer, type RelayServer } from './edge/server.js';
import type { RelayMetrics } from './edge/metrics.js';

// The relay assembled: delivery core (hub) behind the edge (HTTP + WebSocket server). Whoever creates
// it closes it; nothing listens until listen().

/** Readiness as /readyz reports it. */
export interface RelayStatus {
  /** The change stream is tailing. */
  stream: boolean;
  draining: boolean;
  clients: number;
}

/** A relay ready to listen. */
export interface Relay {
  hub: RelayHub;
  /** Starts the event source, then listens; resolves the bound port (0 picks a free one). */
  listen(port?: number, host?: string): Promise<number>;
  /** What /readyz reports for this relay (its process, or its worker). */
  status(): RelayStatus;
  /** Its /metrics, for a cluster primary to aggregate. */
  metrics: RelayMetrics;
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
    metrics: server.metrics,
    status: () => ({ stream: hub.ready, draining: server.draining, clients: server.stats().clients }),
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
