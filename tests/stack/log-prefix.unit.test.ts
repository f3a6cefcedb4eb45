import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLinePrinter } from '../../stack/log-prefix.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('per-service line prefixes', () => {
  it('prefixes every line with the service name, padded so the bars line up', async () => {
    const out = capture();
    const printer = createLinePrinter({ names: ['api', 'consumer'], color: false, out: out.stream, err: out.stream });
    const source = new PassThrough();
    const piped = printer.pipe('api', source);
    source.end('first\r\nsecond\nlast without newline');
    await piped;
    printer.line('consumer', '📱 Product created: iPhone 15');
    expect(out.text()).toBe(
      ['api      │ first', 'api      │ second', 'api      │ last without newline', 'consumer │ 📱 Product created: iPhone 15', ''].join(
        '\n',
      ),
    );
  });

  it('colours the prefix, not the line, when asked; stderr lines go to the error stream', () => {
    const out = capture();
    const err = capture();
    const printer = createLinePrinter({ names: ['api', 'relay'], color: true, out: out.stream, err: err.stream });
    printer.line('relay', 'oops', 'err');
    // eslint-disable-next-line no-control-regex -- the prefix is coloured with ANSI escapes on purpose
    expect(err.text()).toMatch(/^\x1b\[\d+mrelay │ \x1b\[0moops\n$/);
    expect(out.text()).toBe('');
  });

  it('shows each piped line to an observer as it is printed', async () => {
    const out = capture();
    const printer = createLinePrinter({ names: ['consumer'], color: false, out: out.stream });
    const seen: string[] = [];
    const source = new PassThrough();
    const piped = printer.pipe('consumer', source, 'out', (line) => seen.push(line));
    source.end('consumer: connected to ws://127.0.0.1:8765/\n');
    await piped;
    expect(seen).toEqual(['consumer: connected to ws://127.0.0.1:8765/']);
  });
});
