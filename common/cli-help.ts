import type { z } from 'zod';

// The command line of a service configured by its environment: `--help` (or `-h`) prints what it is
// and every variable it reads with its default, and exits 0 instead of starting; any other argument
// is a mistake worth stopping for (a flag a user expected to work would otherwise be silently ignored).

/** What the command line asks for: usage, a run, or nothing we know (with the offending arguments). */
export type CommandLine = { kind: 'help' } | { kind: 'run' } | { kind: 'unknown'; args: string[] };

/** Reads argv (without node and the script); `options` are the flags the service itself accepts. */
export function readCommandLine(argv: readonly string[], options: readonly string[] = []): CommandLine {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  const unknown = argv.filter((arg) => !options.includes(arg));
  return unknown.length > 0 ? { kind: 'unknown', args: unknown } : { kind: 'run' };
}

/**
 * Usage text: the command, one paragraph on what it does, the flags, then each environment variable
 * of `schema` with its default (read from the schema itself, so the list cannot go stale).
 */
export function environmentUsage({
  command,
  summary,
  schema,
  flags = [],
}: {
  command: string;
  summary: string;
  schema: z.ZodObject;
  flags?: readonly (readonly [flag: string, meaning: string])[];
}): string {
  const width = Math.max(...Object.keys(schema.shape).map((name) => name.length));
  const variables = Object.entries(schema.shape).map(([name, field]) => `  ${name.padEnd(width)}  ${defaultOf(field as z.ZodType)}`);
  const options = [...flags, ['-h, --help', 'show this help and exit'] as const].map(
    ([flag, meaning]) => `  ${flag.padEnd(14)}  ${meaning}`,
  );
  return [
    `usage: ${command}`,
    '',
    summary,
    '',
    'options:',
    ...options,
    '',
    'environment (default; docs/operations.md says what each one does):',
    ...variables,
    '',
  ].join('\n');
}

function defaultOf(field: z.ZodType): string {
  const parsed = field.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '(unset)';
  return Array.isArray(parsed.data) ? parsed.data.join(',') : String(parsed.data);
}
