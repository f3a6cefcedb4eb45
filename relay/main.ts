import { closeWithin, connectUntilReachable, createMongoClient, mongoUrlForLogs } from '../common/mongo-connect.js';
import { environmentUsage, readCommandLine } from '../common/cli-help.js';
import { createLogger } from '../common/logger.js';
import { handleShutdownSignals } from '../common/shutdown.js';
import type { Server as HttpsServer } from 'node:https';
import { readTlsFiles, reloadTls, type TlsMaterial } from '../common/tls.js';
import { createCatchUpOpener } from './mongo/catch-up-opener.js';
import { createChangeFeed } from './mongo/change-feed.js';
import { loadRelayConfig, relayConfigSchema, type RelayConfig } from './config.js';
import { startProcessMetrics } from './edge/metrics.js';
import { createRelay } from './relay.js';

// The relay process: environment, MongoDB, listen, signals. On SIGTERM/SIGINT it drains (readyz 503,
// clients closed with 1001 over RELAY_DRAIN_MS), closes its change stream and MongoDB, and exits 0.
// It listens at once and connects to MongoDB in the background, however long MongoDB is away
// (/readyz 503 meanwhile); if its change feed cannot go on, /healthz turns 503 and it exits 1.

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
    process.stderr.write(`relay: unexpected argument ${commandLine.args.join(' ')}: configuration is by environment variables (see --help)\n`);
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

const signals = handleShutdownSignals({
  logger,
  // With TLS, SIGHUP means "reload the certificate" (above), as daemons take it; otherwise it stops.
  signals: tlsFiles ? ['SIGTERM', 'SIGINT'] : ['SIGTERM', 'SIGINT', 'SIGHUP'],
  deadlineMs: config.drainMs + SHUTDOWN_MARGIN_MS,
  stop: async () => {
    stopConnecting.abort();
    await relay.close();
    if (!(await closeWithin(mongo, MONGO_CLOSE_MS))) logger.warn({ ms: MONGO_CLOSE_MS }, 'MongoDB did not close in time (stalled?); leaving it');
  },
});

try {
  const port = await relay.listen(config.port, config.host);
  logger.info({ host: config.host, port, db: config.mongoDb, collection: config.collection, auth: Boolean(config.jwtSecret), tls: tls !== undefined }, 'relay listening');
} catch (error) {
  logger.fatal({ err: error, port: config.port }, 'relay could not start');
  stopConnecting.abort();
  await closeWithin(mongo, MONGO_CLOSE_MS);
  process.exit(1);
}
