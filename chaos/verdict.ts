import type { EventMessage, ResetMessage } from '../contract/protocol.js';
import type { CanonicalEvent } from './canonical-order.js';

// Compares what one consumer received with the canonical change order: every product exactly once,
// in commit order, each carrying the resume token the change stream gave that change.

/** One consumer's score. */
export interface Verdict {
  received: number;
  lost: number;
  duplicated: number;
  /** Events that arrived after an event that MongoDB committed later than them. */
  outOfOrder: number;
  /** Events for changes the canonical stream never showed. */
  unknown: number;
  /** Events whose id is not the change's resume token. */
  idMismatch: number;
  resets: number;
  /** Frames that were not JSON. */
  malformed: number;
  /** Canonical positions of the first few lost events, for diagnosis. */
  lostAt: number[];
}

/** Scores one consumer against the canonical order. */
export function judge(canonical: CanonicalEvent[], events: EventMessage[], resets: ResetMessage[] = [], malformed = 0): Verdict {
  const index = new Map<string, number>();
  canonical.forEach((event, position) => index.set(event.id, position));
  const byProduct = new Map<string, CanonicalEvent>();
  for (const event of canonical) if (event.op === 'insert') byProduct.set(event.productId, event);

  const seen = new Set<number>();
  const verdict: Verdict = {
    received: events.length,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    unknown: 0,
    idMismatch: 0,
    resets: resets.length,
    malformed,
    lostAt: [],
  };
  let highest = -1;
  for (const event of events) {
    // Match by token first; fall back to the product id so a wrong token is reported as such, not as loss.
    let position = index.get(event.id);
    if (position === undefined) {
      const insert = event.op === 'insert' ? byProduct.get(event.key.id) : undefined;
      if (!insert) {
        verdict.unknown += 1;
        continue;
      }
      verdict.idMismatch += 1;
      position = index.get(insert.id) ?? -1;
    }
    if (seen.has(position)) {
      verdict.duplicated += 1;
      continue;
    }
    seen.add(position);
    if (position < highest) verdict.outOfOrder += 1;
    highest = Math.max(highest, position);
  }
  verdict.lost = canonical.length - seen.size;
  for (let position = 0; position < canonical.length && verdict.lostAt.length < 5; position++)
    if (!seen.has(position)) verdict.lostAt.push(position);
  return verdict;
}

/** Whether a verdict is perfect (resets count only when history was not lost on purpose). */
export function isClean(verdict: Verdict, resetsAllowed = false): boolean {
  return (
    verdict.lost === 0 &&
    verdict.duplicated === 0 &&
    verdict.outOfOrder === 0 &&
    verdict.unknown === 0 &&
    verdict.idMismatch === 0 &&
    verdict.malformed === 0 &&
    (resetsAllowed || verdict.resets === 0)
  );
}
