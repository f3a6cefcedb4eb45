// Command-line options of `npm run mongo-double`, validated once; a bad value stops the CLI at start
// with a message naming the flag.
import { parseArgs } from 'node:util';
import { z } from 'zod';

/** Options the CLI runs with. */
export interface CliOptions {
  port: number;
  host: string;
  replSetName: string;
  oplogMaxEntries: number;
  logLevel: string;
}

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  'repl-set': z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
  'oplog-max-entries': z.coerce.number().int().positive(),
  'log-level': z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
});

/** Usage text printed for --help and after a bad option. */
export const USAGE =
  'usage: npm run mongo-double -- [--port 27017] [--host 127.0.0.1] [--repl-set rs0] [--oplog-max-entries 100000] [--log-level info]';

/** Parses argv (without node and script); throws an Error naming the bad flag. */
export function parseCliOptions(argv: string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '27017' },
      host: { type: 'string', default: '127.0.0.1' },
      'repl-set': { type: 'string', default: 'rs0' },
      'oplog-max-entries': { type: 'string', default: '100000' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`--${String(issue.path[0])}: ${issue.message}`);
  }
  const options = parsed.data;
  return {
    port: options.port,
    host: options.host,
    replSetName: options['repl-set'],
    oplogMaxEntries: options['oplog-max-entries'],
    logLevel: options['log-level'],
  };
}
