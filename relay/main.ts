import { MongoClient } from 'mongodb';
import type { Server as HttpsServer } from 'node:https';
import { createLogger } from '../common/logger.js';
import { readTlsFiles, reloadTls, type TlsMaterial } from '../common/tls.js';
import { createCatchUpOpener } from './mongo/catch-up-opener.js';
import { createChangeFeed } from './mongo/change-feed.js';
import { loadRelayConfig, type RelayConfig } from './config.js';
import { startProcessMetrics } from './edge/metrics.js';
import { createRelay } from './relay.js';

// The relay process: environment, MongoDB, listen, signals. On SIGTERM/SIGINT it drains (readyz 503,
// clients closed with 1001 over RELAY_DRAIN_MS), closes its change stream and MongoDB, and exits 0.

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
const logger = createLogger('relay', { level: config.logLevel, pretty: config.logPretty ?? process.stdout.isTTY });
let tls: TlsMaterial | undefined;
try {
  tls = config.tls && readTlsFiles(config.tls);
} catch (error) {
  logger.fatal({ err: error }, 'cannot serve wss');
  process.exit(2);
}
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
  tls,
});
// SIGHUP re-reads the certificate files (a renewal); open connections keep theirs.
const tlsFiles = config.tls;
if (tlsFiles) process.on('SIGHUP', () => reloadTls(relay.server.http as HttpsServer, tlsFiles, logger));

let shuttingDown = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (shuttingDown) {
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

try {
  const port = await relay.listen(config.port, config.host);
  logger.info({ host: config.host, port, db: config.mongoDb, collection: config.collection, auth: Boolean(config.jwtSecret), tls: tls !== undefined }, 'relay listening');
} catch (error) {
  logger.fatal({ err: error, port: config.port }, 'relay could not start');
  await mongo.close().catch(() => {});
  process.exit(1);
}
