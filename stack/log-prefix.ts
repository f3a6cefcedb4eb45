import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

// Several processes share one terminal: every line gets the name of the service that wrote it
// (`api      │ ...`), padded so the bars line up, coloured per service when a person is watching.

const PALETTE = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m', '\x1b[91m'];
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/** Writes lines on behalf of named services. */
export interface LinePrinter {
  /** Writes one line (no trailing newline in `text`) prefixed with the service name. */
  line(service: string, text: string, stream?: 'out' | 'err'): void;
  /**
   * Copies every line of `source` to the printer under `service`, showing each to `observe` too;
   * resolves when `source` ends.
   */
  pipe(service: string, source: Readable, stream?: 'out' | 'err', observe?: (text: string) => void): Promise<void>;
}

/** Options of createLinePrinter: the service names (for padding and colours) and the outputs. */
export interface LinePrinterOptions {
  names: readonly string[];
  color: boolean;
  out?: Writable;
  err?: Writable;
}

/** A printer for the given services; an unknown name still prints, uncoloured. */
export function createLinePrinter({ names, color, out = process.stdout, err = process.stderr }: LinePrinterOptions): LinePrinter {
  const width = Math.max(...names.map((name) => name.length));
  const colours = new Map(names.map((name, index) => [name, PALETTE[index % PALETTE.length] ?? '']));

  const prefix = (service: string): string => {
    const label = `${service.padEnd(width)} │ `;
    return color ? `${colours.get(service) ?? DIM}${label}${RESET}` : label;
  };

  const printer: LinePrinter = {
    line(service, text, stream = 'out') {
      (stream === 'err' ? err : out).write(`${prefix(service)}${text}\n`);
    },
    pipe(service, source, stream = 'out', observe) {
      // readline splits on \n and \r\n and hands over a last line without a newline when the stream ends.
      const lines = createInterface({ input: source, crlfDelay: Infinity });
      lines.on('line', (text) => {
        printer.line(service, text, stream);
        observe?.(text);
      });
      return new Promise((resolve) => lines.once('close', resolve));
    },
  };
  return printer;
}
