import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopRequests } from '../common/shutdown.js';
import { loadStackConfig } from './config.js';
import { createLinePrinter } from './log-prefix.js';
import { createStack } from './stack.js';

// `npm start`: the whole system on one machine (MongoDB, api, relay, consumer), one Ctrl-C away from
// stopped. `--watch` (or STACK_WATCH=1) runs each service under `tsx watch` for hot reload.
// The stack writes plain prefixed lines rather than pino records: its only reader is a person at a
// terminal, reading them interleaved with the services' own logs.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

let config;
try {
  config = loadStackConfig();
} catch (error) {
  process.stderr.write(`stack: ${(error as Error).message}\n`);
  process.exit(2);
}

const printer = createLinePrinter({ names: ['stack', 'mongo', 'api', 'relay', 'consumer'], color: config.color });
const stack = createStack({ config, printer, root, env: process.env });

// One Ctrl-C reaches the stack twice (from the terminal, and forwarded by npm): a repeat within a
// second is the same request. A Ctrl-C after that kills everything (common/shutdown.ts's rule).
const request = stopRequests();
const onSignal = (signal: NodeJS.Signals) => {
  const kind = request();
  if (kind === 'repeat') return;
  if (kind === 'first') {
    printer.line('stack', `${signal}: stopping (press Ctrl-C again to kill everything at once)`);
    stack.stop();
    return;
  }
  printer.line('stack', `${signal} again: killing every service now`, 'err');
  stack.kill();
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('SIGHUP', onSignal);
// Whatever ends this process, its services must not outlive it.
process.on('exit', () => stack.kill());

const code = await stack.run();
// Everything the stack started is stopped by now; a handle some library forgot must not keep a
// stopped stack hanging in the terminal.
process.exit(code);
