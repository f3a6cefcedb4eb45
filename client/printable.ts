// Text from the network (a close reason, a relay id, a product name) may hold control characters
// (newlines, ANSI escapes, C1 codes) that would let it forge log lines or drive a terminal: they are
// shown escaped wherever the library or its users print such text.

// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text safe to print on one line. */
export function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined || value === null ? '?' : String(value);
  return text.replace(controlCharacters, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
