import cluster from 'node:cluster';
import { closeWithin, connectUntilReachable, createMongoClient, mongoUrlForLogs } from '../common/mongo-connect.js';
import { environmentUsage, readCommandLine } from '../common/cli-help.js';
import { createLogger, type Logger } from '../common/logger.js';
import { handleShutdownSignals } from '../common/shutdown.js';
import type { Server as HttpsServer } from 'node:https';
import { readTlsFiles, reloadTls, type TlsMaterial } from '../common/tls.js';
import { createCatchUpOpener } from './mongo/catch-up-opener.js';
import { createChangeFeed } from './mongo/change-feed.js';
import { loadRelayConfig, relayConfigSchema, type RelayConfig } from './config.js';
import { startProcessMetrics } from './edge/metrics.js';
import { createRelay } from './relay.js';
import { createClusterAdmin } from './cluster/cluster-admin.js';
import { answerPrimary } from './cluster/worker-link.js';
import { isDrainRequest, startWorkers } from './cluster/workers.js';

// The relay process: environment, MongoDB, listen, signals. On SIGTERM/SIGINT it drains (readyz 503,
// clients closed with 1001 over RELAY_DRAIN_MS), closes its change stream and MongoDB, and exits 0.
// It listens at once and connects to MongoDB in the background, however long MongoDB is away
// (/readyz 503 meanwhile); if its change feed cannot go on, /healthz turns 503 and it exits 1.
// With RELAY_WORKERS > 1 this process is the cluster primary (cluster/workers.ts) and each worker runs
// the relay below; the primary's RELAY_ADMIN_PORT answers for all of them (cluster/cluster-admin.ts).

/** Extra time beyond the drain window before a stuck shutdown gives up. */
const SHUTDOWN_MARGIN_MS = 10_000;
/** What a shutdown gives MongoDB's close() (a stalled MongoDB never answers it). */
const MONGO_CLOSE_MS = 3_000;

function readConfig(): RelayConfig {
  const commandLine = readCommandLine(process.argv.slice(2));
  if (commandLine.kind === 'help') {
    process.stdout.write(
      environmentUsage({
        command: 'npm run relay  (compiled: node dist/relay/main.js)',
        summary:
          'The relay: tails the products change stream and pushes each change to WebSocket clients on RELAY_PORT (ws://host:port/?since=&ops=&where.<field>=). Configured by environment variables only.',
        schema: relayConfigSchema,
      }),
    );
    process.exit(0);
  }
  if (commandLine.kind === 'unknown') {
    process.stderr.write(
      `relay: unexpected argument ${commandLine.args.join(' ')}: configuration is by environment variables (see --help)\n`,
    );
    process.exit(2);
  }
  try {
    return loadRelayConfig(process.env);
  } catch (error) {
    process.stderr.write(`relay: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

const config = readConfig();
const root = createLogger('relay', { level: config.logLevel, pretty: config.logPretty ?? process.stdout.isTTY });
if (config.workers > 1 && cluster.isPrimary) await runPrimary(root);
else await runRelay(cluster.isWorker ? root.child({ worker: cluster.worker?.id }) : root);

async function runPrimary(logger: Logger): Promise<void> {
  const pool = startWorkers({ count: config.workers, logger });
  const admin = createClusterAdmin({ pool, logger });
  handleShutdownSignals({
    logger,
    deadlineMs: config.drainMs + SHUTDOWN_MARGIN_MS,
    stop: async () => {
      admin.drain();
      const code = await pool.stop();
      await admin.close();
      if (code !== 0) throw new Error('a worker did not stop cleanly');
    },
  });
  void pool.failed.then((code) => {
    pool.kill();
    process.exit(code);
  });
  try {
    const port = await admin.listen(config.adminPort, config.host);
    logger.info({ host: config.host, adminPort: port, port: config.port, workers: config.workers }, 'relay cluster admin listening');
  } catch (error) {
    logger.fatal({ err: error, adminPort: config.adminPort }, 'relay cluster admin could not start');
    pool.kill();
    process.exit(1);
  }
}

async function runRelay(logger: Logger): Promise<void> {
  let tls: TlsMaterial | undefined;
  try {
    tls = config.tls && readTlsFiles(config.tls);
  } catch (error) {
    logger.fatal({ err: error }, 'cannot serve wss');
    process.exit(2);
  }
  // CPU and GC counts on /metrics cover the process from here, not from its first scrape.
  startProcessMetrics();

  const mongo = createMongoClient(config.mongoUrl, 'relay', {
    serverSelectionTimeoutMS: config.mongoServerSelectionTimeoutMs,
    connectTimeoutMS: config.mongoConnectTimeoutMs,
    socketTimeoutMS: config.mongoSocketTimeoutMs,
  });
  const stopConnecting = new AbortController();
  const collection = mongo.db(config.mongoDb).collection(config.collection);
  let healthy = true;
  const relay = createRelay({
    config,
    source: createChangeFeed({
      collection,
      logger,
      stallMs: config.streamStallMs,
      connect: () => connectUntilReachable(mongo, { logger, signal: stopConnecting.signal, shownUrl: mongoUrlForLogs(config.mongoUrl) }),
      onFatal: () => {
        healthy = false;
        signals.shutdown('change feed cannot go on', 1);
      },
    }),
    catchUp: createCatchUpOpener({ collection }),
    logger,
    healthy: () => healthy,
    tls,
  });
  // SIGHUP re-reads the certificate files (a renewal); open connections keep theirs.
  const tlsFiles = config.tls;
  if (tlsFiles) process.on('SIGHUP', () => reloadTls(relay.server.http as HttpsServer, tlsFiles, logger));

  let stopping = false;
  const signals = handleShutdownSignals({
    logger,
    // With TLS, SIGHUP means "reload the certificate" (above), as daemons take it; otherwise it stops.
    signals: tlsFiles ? ['SIGTERM', 'SIGINT'] : ['SIGTERM', 'SIGINT', 'SIGHUP'],
    deadlineMs: config.drainMs + SHUTDOWN_MARGIN_MS,
    stop: async () => {
      stopping = true;
      stopConnecting.abort();
      await relay.close();
      if (!(await closeWithin(mongo, MONGO_CLOSE_MS)))
        logger.warn({ ms: MONGO_CLOSE_MS }, 'MongoDB did not close in time (stalled?); leaving it');
    },
  });

  try {
    const port = await relay.listen(config.port, config.host);
    logger.info(
      {
        host: config.host,
        port,
        db: config.mongoDb,
        collection: config.collection,
        auth: Boolean(config.jwtSecret),
        tls: tls !== undefined,
      },
      'relay listening',
    );
  } catch (error) {
    logger.fatal({ err: error, port: config.port }, 'relay could not start');
    stopConnecting.abort();
    await closeWithin(mongo, MONGO_CLOSE_MS);
    process.exit(1);
  }
  if (cluster.isWorker) {
    answerPrimary(relay);
    // The primary asks every worker to drain on shutdown (a message, as the terminal may already have
    // sent SIGINT to every worker too: a second request would cut the drain short).
    let asked = false;
    const drain = () => {
      if (asked || stopping) return;
      asked = true;
      signals.shutdown('the primary asked to drain', 0);
    };
    process.on('message', (message: unknown) => isDrainRequest(message) && drain());
    // A primary that is gone hands out no more connections: drain the ones held and exit, no orphan.
    process.on('disconnect', drain);
  }
}
