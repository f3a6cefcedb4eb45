import { MongoClient } from 'mongodb';
import { createLogger } from '../common/logger.js';
import { createApp } from './app.js';
import { loadApiConfig, type ApiConfig } from './config.js';
import { ensureIndexes } from './indexes.js';
import { listen } from './server.js';

// The API process: read the environment, connect to MongoDB, make sure the indexes exist, listen, and
// on SIGTERM/SIGINT stop accepting, finish the requests in flight, close MongoDB and exit 0.

let config: ApiConfig;
try {
  config = loadApiConfig(process.env);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}

const logger = createLogger('api', { level: config.logLevel, pretty: config.logPretty ?? process.stdout.isTTY });
// Fail a request in seconds rather than hold it for the driver's default 30 s while no primary is known.
const client = new MongoClient(config.mongoUrl, { serverSelectionTimeoutMS: 5_000, appName: 'api' });

try {
  await client.connect();
  await ensureIndexes(client.db(config.mongoDb));
} catch (error) {
  logger.fatal({ err: error, mongoUrl: redact(config.mongoUrl) }, 'cannot reach MongoDB; is the replica set up?');
  await client.close().catch(() => undefined);
  process.exit(1);
}

const app = createApp({
  db: client.db(config.mongoDb),
  logger,
  jwtSecret: config.jwtSecret,
  livePage: config.livePage,
  cors: config.corsOrigins ? { origins: config.corsOrigins, maxAgeSeconds: config.corsMaxAgeSeconds } : undefined,
});
const server = await listen(app, { host: config.host, port: config.port });
logger.info(
  { url: server.url, db: config.mongoDb, writesNeedToken: config.jwtSecret !== undefined },
  `API listening on ${server.url}`,
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing requests in flight');
  try {
    await server.close(config.shutdownGraceMs);
    await client.close();
  } catch (error) {
    logger.error({ err: error }, 'shutdown did not complete cleanly');
    process.exit(1);
  }
  logger.info('stopped');
  process.exit(0);
}
process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));

/** The URL without its password, for logs. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
