import { silentLogger } from '../../common/logger.js';
import { relayConfig } from '../../relay/config.js';
import { createManualSource } from '../../relay/delivery/manual-source.js';
import { startProcessMetrics } from '../../relay/edge/metrics.js';
import { createRelay } from '../../relay/relay.js';
import type { Target, TargetOptions } from './target.js';

// The relay itself, built exactly as relay/main.ts builds it, except that events enter through a manual
// event source instead of a change stream: the same seam, so the same fan-out path.

/** Starts the relay on 127.0.0.1 (random port) with its default configuration. */
export async function startRelayTarget(options: TargetOptions): Promise<Target> {
  const source = createManualSource();
  const config = relayConfig({
    host: '127.0.0.1',
    port: 0,
    maxConnections: Math.max(options.maxClients + 100, relayConfig().maxConnections),
    ...(options.maxBufferedBytes ? { maxBufferedBytes: options.maxBufferedBytes } : {}),
    logLevel: 'silent',
  });
  // As main.ts does: the process metrics' observers (event-loop delay, GC) run from the start.
  startProcessMetrics();
  const relay = createRelay({ config, source, logger: silentLogger() });
  const port = await relay.listen(0, '127.0.0.1');
  return {
    port,
    path: '/',
    dialect: 'relay',
    emit: (batch) => source.push(batch),
    clientCount: () => relay.hub.clientCount,
    close: () => relay.close(),
  };
}
