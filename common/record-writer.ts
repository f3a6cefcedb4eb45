import type { DestinationStream, Level, Logger } from 'pino';
import { redactRecord, redactText } from './redact.js';

// One frequent record — the API's line per request — written the way its logger writes every record
// (the same JSON line, credentials taken out the same way) but without pino's general path: the
// logMethod hook, the record formatter and pino's per-key serialisation cost the API about a point
// and a half of its requests per second on that one line (docs/performance.md, "The API's request
// path"). tests/common/record-writer.unit.test.ts holds it to pino's own output.

/** Where a logger writes its JSON lines, and the bindings (pid, hostname, name) each line carries. */
interface JsonOutput {
  stream: DestinationStream;
  bindings: string;
}

// The output of each logger createLogger made (pretty ones have none: pino-pretty formats them).
const jsonOutputs = new WeakMap<Logger, JsonOutput>();

/** Records that `logger` writes JSON lines with `bindings` to `stream`, so recordWriter may write there too. */
export function writesJsonTo(logger: Logger, stream: DestinationStream, bindings: Readonly<Record<string, string | number>>): void {
  // As pino writes them: after the time, in their order.
  const text = Object.entries(bindings)
    .map(([key, value]) => `,${JSON.stringify(key)}:${JSON.stringify(value)}`)
    .join('');
  jsonOutputs.set(logger, { stream, bindings: text });
}

/** Flat fields of a frequent record: strings and finite numbers. */
export type RecordFields = Readonly<Record<string, string | number>>;

/**
 * A writer of records at `level` with message `msg`, as `logger[level](fields, msg)` would write them,
 * and nothing when the level is off. Any other logger than a JSON one from createLogger gets that call.
 */
export function recordWriter(logger: Logger, level: Level, msg: string): (fields: RecordFields) => void {
  const output = jsonOutputs.get(logger);
  if (!output) return (fields) => logger[level](fields, msg);
  const { stream, bindings } = output;
  const start = `{"level":${logger.levels.values[level]},"time":`;
  const end = `,"msg":${JSON.stringify(redactText(msg))}}\n`;
  return (fields) => {
    if (!logger.isLevelEnabled(level)) return;
    const clean = redactRecord(fields);
    let line = `${start}${Date.now()}${bindings}`;
    for (const key in clean) line += `,${JSON.stringify(key)}:${JSON.stringify(clean[key])}`;
    stream.write(line + end);
  };
}
