import { createConsumer } from './client.js';
import { parseCommandLine } from './config.js';

// The CLI's logic without the process: read the command line, run the consumer, decide the exit
// status. main.ts adds the process (streams, signals, exit); tests run this in-process.

/** Where the CLI writes: stdout lines (events) and stderr lines (notices, errors). */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** A running CLI: its exit status once it ends, and how to stop it (Ctrl-C, SIGTERM). */
export interface CliRun {
  readonly exitCode: Promise<number>;
  stop(): Promise<void>;
}

/** Runs the consumer CLI for `argv` (without node and script): 0 stopped, 1 refused, 2 usage. */
export function runCli(argv: string[], env: NodeJS.ProcessEnv, output: CliOutput): CliRun {
  const parsed = parseCommandLine(argv, env);
  if (parsed.kind === 'help') {
    output.out(parsed.text);
    return { exitCode: Promise.resolve(0), stop: async () => {} };
  }
  if (parsed.kind === 'error') {
    output.err(`consumer: ${parsed.message}`);
    output.err('Try --help for the options.');
    return { exitCode: Promise.resolve(2), stop: async () => {} };
  }
  const consumer = createConsumer({
    ...parsed.config,
    onLine: (line) => output.out(line),
    onNotice: (text) => output.err(`consumer: ${text}`),
  });
  const exitCode = consumer.run().then((end) => {
    if (end.kind !== 'refused') return 0;
    output.err(`consumer: ${end.message}`);
    return 1;
  });
  return { exitCode, stop: () => consumer.stop() };
}
