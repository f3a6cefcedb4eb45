import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { environmentUsage, readCommandLine } from '../common/cli-help.js';
import { INSIST_EXIT_CODE, stopRequests } from '../common/shutdown.js';
import { loadStackConfig, stackConfigSchema } from './config.js';
import { createLinePrinter } from './log-prefix.js';
import { compiledEntry } from './service-process.js';
import { createStack } from './stack.js';

// `npm start`: the whole system on one machine (MongoDB, api, relay, consumer), one Ctrl-C away from
// stopped. `--watch` (or STACK_WATCH=1) runs each service under `tsx watch` for hot reload.
// The stack writes plain prefixed lines rather than pino records: its only reader is a person at a
// terminal, reading them interleaved with the services' own logs.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// --watch is the one flag; loadStackConfig refuses any other argument.
if (readCommandLine(process.argv.slice(2), ['--watch']).kind === 'help') {
  process.stdout.write(
    environmentUsage({
      command: 'npm start  (npm run dev: the same with --watch)',
      summary:
        'The whole system on one machine: MongoDB (MONGO_URL, a local mongod, or the built-in double), the api, the relay and a consumer, with prefixed logs. One Ctrl-C stops everything gracefully.',
      schema: stackConfigSchema,
      flags: [['--watch', 'restart a service when its source changes (also STACK_WATCH=1)']],
    }),
  );
  process.exit(0);
}

let config;
try {
  config = loadStackConfig();
} catch (error) {
  process.stderr.write(`stack: ${(error as Error).message}\n`);
  process.exit(2);
}

// NODE_ENV=production runs what `npm run build` compiled; without it there is nothing to run.
const missing = ['api/main.ts', 'relay/main.ts', 'consumer/main.ts'].map(compiledEntry).filter((file) => !existsSync(resolve(root, file)));
if (config.compiled && missing.length > 0) {
  process.stderr.write(
    `stack: NODE_ENV=production runs the compiled services, but ${missing.join(', ')} is missing: run \`npm run build\` first\n`,
  );
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
  process.exit(INSIST_EXIT_CODE);
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
