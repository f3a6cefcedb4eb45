import { readFileSync } from 'node:fs';
import { createConsumer } from './client.js';
import { parseCommandLine } from './config.js';

// The consumer CLI: reads the command line and environment, prints events on stdout and notices on
// stderr, and turns Ctrl-C / SIGTERM into a clean exit 0 (position saved first).

const parsed = parseCommandLine(process.argv.slice(2), process.env);
if (parsed.kind === 'help') {
  process.stdout.write(`${parsed.text}\n`);
  process.exit(0);
}
if (parsed.kind === 'error') {
  process.stderr.write(`consumer: ${parsed.message}\nTry --help for the options.\n`);
  process.exit(2);
}

const { config } = parsed;
let ca: Buffer | undefined;
try {
  ca = config.caFile === undefined ? undefined : readFileSync(config.caFile);
} catch (error) {
  process.stderr.write(`consumer: --ca: cannot read ${config.caFile}: ${(error as Error).message}\n`);
  process.exit(2);
}
const consumer = createConsumer({
  ...config,
  ca,
  onLine: (line) => process.stdout.write(`${line}\n`),
  onNotice: (text) => process.stderr.write(`consumer: ${text}\n`),
});

let stopping = false;
const shutdown = (signal: NodeJS.Signals) => {
  if (stopping) {
    // A second signal means the user is done waiting.
    process.stderr.write(`consumer: ${signal} again, exiting now\n`);
    process.exit(0);
  }
  stopping = true;
  void consumer.stop();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
// Piped into `head` or a closed terminal: stop quietly instead of dying on EPIPE.
process.stdout.on('error', () => shutdown('SIGPIPE'));

consumer.run().then(
  (end) => {
    if (end.kind === 'refused') {
      process.stderr.write(`consumer: ${end.message}\n`);
      process.exitCode = 1;
    }
    // stdout may still hold lines for a slow pipe; exiting after it drains keeps them.
    process.stdout.write('', () => process.exit(process.exitCode ?? 0));
  },
  (error: unknown) => {
    process.stderr.write(`consumer: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
