import { runCli } from './cli.js';

// The consumer CLI as a process: stdout for events, stderr for notices, Ctrl-C / SIGTERM for a clean
// exit 0 (position saved first). The logic is runCli (cli.ts).

const run = runCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});

let stopping = false;
const shutdown = (signal: NodeJS.Signals | 'SIGPIPE') => {
  if (stopping) {
    // A second signal means the user is done waiting.
    process.stderr.write(`consumer: ${signal} again, exiting now\n`);
    process.exit(0);
  }
  stopping = true;
  void run.stop();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
// Piped into `head` or a closed terminal: stop quietly instead of dying on EPIPE.
process.stdout.on('error', () => shutdown('SIGPIPE'));

run.exitCode.then(
  // stdout may still hold lines for a slow pipe; exiting after it drains keeps them.
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(`consumer: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
