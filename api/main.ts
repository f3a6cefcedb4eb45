import type { Server as HttpsServer } from 'node:https';
import { environmentUsage, readCommandLine } from '../common/cli-help.js';
import { createLogger } from '../common/logger.js';
import { closeWithin, createMongoClient, mongoUrlForLogs } from '../common/mongo-connect.js';
import { handleShutdownSignals } from '../common/shutdown.js';
import { readTlsFiles, reloadTls, type TlsMaterial } from '../common/tls.js';
import { createApp, createOperatorApp, pingPrimary } from './app.js';
import { apiConfigSchema, loadApiConfig, type ApiConfig } from './config.js';
import { keepDatabase } from './database-keeper.js';
import { createApiMetrics } from './metrics.js';
import { listen } from './server.js';

// The API process: read the environment, listen, connect to MongoDB in the background (however long
// it takes: /readyz 503 and writes 503 meanwhile), keep the indexes, and on SIGTERM/SIGINT stop
// accepting, finish the requests in flight, close MongoDB (bounded) and exit 0.

const commandLine = readCommandLine(process.argv.slice(2));
if (commandLine.kind === 'help') {
  process.stdout.write(
    environmentUsage({
      command: 'npm run api  (compiled: node dist/api/main.js)',
      summary:
        'The products HTTP API (/api/product/, /healthz, /readyz) on API_PORT, writing to MongoDB. Configured by environment variables only.',
      schema: apiConfigSchema,
    }),
  );
  process.exit(0);
}
if (commandLine.kind === 'unknown') {
  console.error(`api: unexpected argument ${commandLine.args.join(' ')}: configuration is by environment variables (see --help)`);
  process.exit(2);
}

let config: ApiConfig;
try {
  config = loadApiConfig(process.env);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}

/** What a shutdown gives MongoDB's close() (a stalled MongoDB never answers it). */
const MONGO_CLOSE_MS = 3_000;

const logger = createLogger('api', { level: config.logLevel, pretty: config.logPretty ?? process.stdout.isTTY });
let tls: TlsMaterial | undefined;
try {
  tls = config.tls && readTlsFiles(config.tls);
} catch (error) {
  logger.fatal({ err: error }, 'cannot serve https');
  process.exit(2);
}
const client = createMongoClient(config.mongoUrl, 'api', {
  serverSelectionTimeoutMS: config.mongoServerSelectionTimeoutMs,
  connectTimeoutMS: config.mongoConnectTimeoutMs,
  socketTimeoutMS: config.mongoSocketTimeoutMs,
});
const db = client.db(config.mongoDb);
const stopConnecting = new AbortController();
const keeper = keepDatabase({ client, db, logger, signal: stopConnecting.signal, shownUrl: mongoUrlForLogs(config.mongoUrl) });
const ping = pingPrimary(db);
const ready = async () => keeper.connected() && (await ping());
const metrics = createApiMetrics();

const app = createApp({
  db,
  ready,
  metrics,
  // Closed on the port clients use unless a token is set; open on the operators' port (below).
  metricsAccess: config.metricsToken ? { token: config.metricsToken } : 'closed',
  operationTimeoutMs: config.mongoOperationTimeoutMs,
  insertGroupMax: config.insertGroupMax,
  logger,
  jwtSecret: config.jwtSecret,
  tokenRules: config.tokenRules,
  requireIfMatch: config.requireIfMatch,
  livePage: config.livePage,
  cors: config.corsOrigins ? { origins: config.corsOrigins, maxAgeSeconds: config.corsMaxAgeSeconds } : undefined,
});
let server: Awaited<ReturnType<typeof listen>>;
let operatorServer: Awaited<ReturnType<typeof listen>> | undefined;
try {
  server = await listen(app, { host: config.host, port: config.port, limits: config.limits, tls });
} catch (error) {
  logger.fatal({ err: error, port: config.port }, 'API could not listen');
  process.exit(1);
}

// SIGHUP re-reads the certificate files (a renewal), without dropping a connection.
const tlsFiles = config.tls;
if (tlsFiles) process.on('SIGHUP', () => reloadTls(server.server as HttpsServer, tlsFiles, logger));
logger.info(
  { url: server.url, db: config.mongoDb, writesNeedToken: config.jwtSecret !== undefined, tls: tls !== undefined },
  `API listening on ${server.url}`,
);

if (config.metricsPort !== undefined) {
  try {
    // Plain http: it listens on loopback (or a private network) by default, like the relay's.
    operatorServer = await listen(createOperatorApp({ metrics, ready, logger }), {
      host: config.metricsHost,
      port: config.metricsPort,
      limits: config.limits,
    });
  } catch (error) {
    logger.fatal({ err: error, port: config.metricsPort }, 'API could not listen on its metrics port');
    process.exit(1);
  }
  logger.info({ metricsUrl: `${operatorServer.url}/metrics` }, `metrics listening on ${operatorServer.url}/metrics`);
}

handleShutdownSignals({
  logger,
  // With TLS, SIGHUP means "reload the certificate" (above), as daemons take it; otherwise it stops.
  signals: tlsFiles ? ['SIGTERM', 'SIGINT'] : ['SIGTERM', 'SIGINT', 'SIGHUP'],
  deadlineMs: config.shutdownGraceMs + MONGO_CLOSE_MS + 2_000,
  stop: async () => {
    stopConnecting.abort();
    await Promise.all([server.close(config.shutdownGraceMs), operatorServer?.close(config.shutdownGraceMs)]);
    if (!(await closeWithin(client, MONGO_CLOSE_MS)))
      logger.warn({ ms: MONGO_CLOSE_MS }, 'MongoDB did not close in time (stalled?); leaving it');
  },
});
