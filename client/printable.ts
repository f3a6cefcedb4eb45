// Text from the network (a close reason, a relay id, a product name) may hold control characters
// (newlines, ANSI escapes, C1 codes) that would let it forge log lines or drive a terminal, and
// invisible formatting characters that make it read differently from what it is: bidi overrides and
// isolates (U+202A–U+202E, U+2066–U+2069, "Trojan Source") reorder what follows them, zero-width
// characters (U+200B–U+200F, U+2060, U+FEFF) hide inside names. All are shown escaped (`\u202e`)
// wherever the library or its users print such text.

// eslint-disable-next-line no-control-regex
const unprintable = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;

/** Text safe to print on one line, reading as what it is. */
export function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined || value === null ? '?' : String(value);
  return text.replace(unprintable, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
