import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { REDACT_PATHS, REDACTED, redactingErrorSerializer, redactRecord, redactText } from './redact.js';

export type { Logger };

/**
 * The one root logger of a process. Pretty, human-readable output only when a person is watching
 * (a TTY) or LOG_PRETTY=1; JSON lines otherwise, so log shippers get structured records.
 */
export function createLogger(name: string, options: { level?: string; pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  const base: LoggerOptions = {
    name,
    level: options.level ?? 'info',
    // No credential in any line at any level (common/redact.ts).
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { err: redactingErrorSerializer },
    formatters: { log: redactRecord },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>);
      },
    },
  };
  if (options.pretty) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l', singleLine: true },
      },
    });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}

/** A logger that drops everything: for tests and benchmarks that do not want relay chatter. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
