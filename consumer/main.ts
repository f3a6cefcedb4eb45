import { INSIST_EXIT_CODE, stopRequests } from '../common/shutdown.js';
import { runCli } from './cli.js';

// The consumer CLI as a process: stdout for events, stderr for notices, Ctrl-C / SIGTERM for a clean
// exit 0 (position saved first). The logic is runCli (cli.ts).

const run = runCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});

// The project's one signal rule (common/shutdown.ts): the first signal stops cleanly, the same one
// again within a second is its echo (npm forwards the terminal's Ctrl-C), a later one exits at once.
const request = stopRequests();
const shutdown = (signal: NodeJS.Signals | 'SIGPIPE') => {
  const kind = request();
  if (kind === 'repeat') return;
  if (kind === 'insist') {
    process.stderr.write(`consumer: ${signal} again, exiting now\n`);
    process.exit(INSIST_EXIT_CODE);
  }
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
