import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { writesJsonTo } from './record-writer.js';
import { redactingErrorSerializer, redactRecord, redactText } from './redact.js';

export type { Logger };

/**
 * The one root logger of a process. Pretty, human-readable output only when a person is watching
 * (a TTY) or LOG_PRETTY=1; JSON lines otherwise, so log shippers get structured records.
 */
export function createLogger(name: string, options: { level?: string; pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  // pino's default bindings, spelled out so that recordWriter writes exactly the same ones.
  const bindings = { pid: process.pid, hostname: hostname(), name };
  const base: LoggerOptions = {
    name,
    base: { pid: bindings.pid, hostname: bindings.hostname },
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
  // pino's own stream for stdout when none is given (asynchronous writes, as pino makes it), held here
  // so that recordWriter can write to it too.
  const stream = options.destination ?? pino.destination({ dest: process.stdout.fd || 1, sync: false });
  const logger = pino(base, stream);
  writesJsonTo(logger, stream, bindings);
  return logger;
}

/** A logger that drops everything: for tests and benchmarks that do not want relay chatter. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
