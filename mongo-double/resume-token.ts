// Resume tokens: `{_data: <uppercase hex>}`. The layout is the double's own (clients must treat it as
// opaque), chosen so that string order is oplog order: fixed-width seconds, increment, then kind.
//   "82" | seconds (8) | increment (8) | kind (2) | epoch (8) | digest (8)
// The epoch identifies one double (kept across restarts), so a token from another server is refused.
import type { OpTime } from './op-time.js';

/** What a token points at: an event, the invalidate after a drop, or a high-water mark. */
export type TokenKind = 'event' | 'invalidate' | 'highWater';

const kindCodes: Record<TokenKind, string> = { event: '01', invalidate: '02', highWater: '03' };
const kindsByCode = new Map(Object.entries(kindCodes).map(([kind, code]) => [code, kind as TokenKind]));
const pattern = /^82([0-9A-F]{8})([0-9A-F]{8})(0[123])([0-9A-F]{8})([0-9A-F]{8})$/;

/** A decoded token. `time` is the oplog entry it names; resuming continues after it. */
export interface ResumePoint {
  time: OpTime;
  kind: TokenKind;
  epoch: string;
  digest: string;
}

const hex8 = (value: number): string => value.toString(16).toUpperCase().padStart(8, '0');

/** Encodes a token's `_data` string. */
export function encodeToken(point: ResumePoint): string {
  return `82${hex8(point.time.t)}${hex8(point.time.i)}${kindCodes[point.kind]}${point.epoch}${point.digest}`;
}

/** Decodes a token's `_data`; null when it is not a token of this layout. */
export function decodeToken(data: unknown): ResumePoint | null {
  if (typeof data !== 'string') return null;
  const match = pattern.exec(data);
  if (!match) return null;
  return {
    time: { t: parseInt(match[1]!, 16), i: parseInt(match[2]!, 16) },
    kind: kindsByCode.get(match[3]!)!,
    epoch: match[4]!,
    digest: match[5]!,
  };
}

/** An 8-hex-digit FNV-1a digest of a string: ties an event token to its namespace and document key. */
export function digestOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hex8(hash);
}

/** A random epoch for a new double. */
export function newEpoch(): string {
  return hex8(Math.floor(Math.random() * 0x100000000));
}
