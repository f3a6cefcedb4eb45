import cluster from 'node:cluster';
import { MongoClient } from 'mongodb';
import { createLogger, type Logger } from '../common/logger.js';
import { createCatchUpOpener } from './mongo/catch-up-opener.js';
import { createChangeFeed } from './mongo/change-feed.js';
import { createClusterAdmin } from './cluster/cluster-admin.js';
import { loadRelayConfig, type RelayConfig } from './config.js';
import { startProcessMetrics } from './edge/metrics.js';
import { createRelay } from './relay.js';
import { answerPrimary } from './cluster/worker-link.js';
import { isDrainRequest, startWorkers } from './cluster/workers.js';

// The relay process: environment, MongoDB, listen, signals. On SIGTERM/SIGINT it drains (readyz 503,
// clients closed with 1001 over RELAY_DRAIN_MS), closes its change stream and MongoDB, and exits 0.
// With RELAY_WORKERS > 1 this process is the cluster primary (cluster/workers.ts) and each worker runs the
// relay below; the primary's RELAY_ADMIN_PORT answers for all of them (cluster/cluster-admin.ts).

/** Extra time beyond the drain window before a stuck shutdown gives up. */
const SHUTDOWN_MARGIN_MS = 10_000;

function readConfig(): RelayConfig {
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
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: killing the workers');
      pool.kill();
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, drainMs: config.drainMs }, 'shutting down: workers drain');
    admin.drain();
    const code = await pool.stop();
    await admin.close();
    logger.info({ code }, 'stopped');
    process.exit(code);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
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
  // CPU and GC counts on /metrics cover the process from here, not from its first scrape.
  startProcessMetrics();

  // No connect() here: the change feed keeps retrying until MongoDB answers, and /readyz says 503 meanwhile,
  // so the relay starts (and answers /healthz) even while the database is still coming up.
  const mongo = new MongoClient(config.mongoUrl, { appName: 'relay' });
  const collection = mongo.db(config.mongoDb).collection(config.collection);
  const relay = createRelay({
    config,
    source: createChangeFeed({ collection, logger }),
    catchUp: createCatchUpOpener({ collection }),
    logger,
  });

  let shuttingDown = false;
  async function shutdown(signal: NodeJS.Signals | 'primary'): Promise<void> {
    if (shuttingDown) {
      if (signal === 'primary') return;
      logger.warn({ signal }, 'second signal: exiting without finishing the drain');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal, drainMs: config.drainMs }, 'shutting down');
    const giveUp = setTimeout(() => {
      logger.error('shutdown did not finish in time');
      process.exit(1);
    }, config.drainMs + SHUTDOWN_MARGIN_MS);
    giveUp.unref();
    try {
      await relay.close();
      await mongo.close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  }
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
  if (cluster.isWorker) {
    answerPrimary(relay);
    process.on('message', (message: unknown) => isDrainRequest(message) && void shutdown('primary'));
    // A primary that is gone hands out no more connections: drain the ones held and exit, no orphan.
    process.on('disconnect', () => void shutdown('primary'));
  }

  try {
    const port = await relay.listen(config.port, config.host);
    logger.info({ host: config.host, port, db: config.mongoDb, collection: config.collection, auth: Boolean(config.jwtSecret) }, 'relay listening');
  } catch (error) {
    logger.fatal({ err: error, port: config.port }, 'relay could not start');
    await mongo.close().catch(() => {});
    process.exit(1);
  }
}
