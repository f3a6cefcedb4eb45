// `npm run mongo-double -- --port 27017`: serves the MongoDB double until SIGINT/SIGTERM.
// A test double for offline development and tests, never a production database.
import { createLogger } from '../common/logger.js';
import { handleShutdownSignals } from '../common/shutdown.js';
import { parseCliOptions, USAGE } from './cli-options.js';
import { startMongoDouble, type MongoDouble } from './index.js';

let options: ReturnType<typeof parseCliOptions>;
try {
  options = parseCliOptions(process.argv.slice(2));
} catch (error) {
  console.error(`mongo-double: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') {
  console.log(USAGE);
  process.exit(0);
}

const logger = createLogger('mongo-double', { level: options.logLevel, pretty: Boolean(process.stdout.isTTY) });
let double: MongoDouble;
try {
  double = await startMongoDouble({
    port: options.port,
    host: options.host,
    replSetName: options.replSetName,
    oplogMaxEntries: options.oplogMaxEntries,
    logger,
  });
} catch (error) {
  logger.fatal({ err: error }, 'mongo-double could not start');
  process.exit(1);
}
logger.warn('this is a MongoDB TEST DOUBLE: data lives in memory only and is lost on exit; never use it as a production database');
console.log(double.url);

// The project's one signal rule (common/shutdown.ts); pino writes asynchronously, so every exit
// flushes it first.
handleShutdownSignals({
  logger,
  stop: () => double.stop(),
  deadlineMs: 10_000,
  exit: (code) => logger.flush(() => process.exit(code)),
});
