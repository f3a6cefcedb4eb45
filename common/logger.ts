import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactingErrorSerializer, redactRecord, redactText } from './redact.js';

export type { Logger };

/**
 * The one root logger of a process. Pretty, human-readable output only when a person is watching
 * (a TTY) or LOG_PRETTY=1; JSON lines otherwise, so log shippers get structured records.
 */
export function createLogger(name: string, options: { level?: string; pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  const base: LoggerOptions = {
    name,
    level: options.level ?? 'info',
    // No credential in any line at any level (common/redact.ts): in the record's fields, in an error,
    // and in the message (pino hands the hook a fresh array of the call's arguments).
    serializers: { err: redactingErrorSerializer },
    formatters: { log: redactRecord },
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) {
          const arg: unknown = args[i];
          if (typeof arg === 'string') args[i] = redactText(arg);
        }
        method.apply(this, args);
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
