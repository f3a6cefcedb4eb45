import { printable } from '../client/printable.js';
import type { EventMessage, Operation, ResetMessage } from '../contract/protocol.js';

// Turns relay messages into the lines a person reads in a terminal. The created line keeps the shape
// users of the system this replaces rely on: `📱 Product created: iPhone 15 — 999.99 (L)`.

const verbs: Record<Operation, { emoji: string; verb: string }> = {
  insert: { emoji: '📱', verb: 'created' },
  update: { emoji: '✏️', verb: 'updated' },
  replace: { emoji: '🔁', verb: 'replaced' },
  delete: { emoji: '🗑️', verb: 'deleted' },
};

export { printable };

/** A price as money: two decimals when it is a finite number. */
function price(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(2) : printable(value);
}

/** One readable line for an event: operation, name, price and size (or the id of a deleted product). */
export function formatEvent(event: EventMessage): string {
  const { emoji, verb } = verbs[event.op];
  const head = `${emoji} Product ${verb}:`;
  const product = event.product;
  if (!product) {
    // Deletes carry no product; an update whose product is gone by lookup time has none either.
    const gone = event.op === 'delete' ? '' : ' (no longer exists)';
    return `${head} ${printable(event.key?.id)}${gone}`;
  }
  let line = `${head} ${printable(product.nombre)} — ${price(product.precio)} (${printable(product.talla)})`;
  if (event.op === 'update' && event.changes) {
    const updated = Object.keys(event.changes.updated ?? {}).filter((field) => field !== 'updatedAt');
    const removed = event.changes.removed ?? [];
    if (updated.length > 0) line += ` · changed ${updated.map(printable).join(', ')}`;
    if (removed.length > 0) line += ` · removed ${removed.map(printable).join(', ')}`;
  }
  return line;
}

/** The notice for a `reset`: the client's position is gone and it must reload a snapshot. */
export function formatReset(reset: ResetMessage): string {
  const reason = printable(reset.reason);
  const detail = typeof reset.message === 'string' && reset.message ? `: ${printable(reset.message)}` : '';
  return `⚠️  Reset (${reason})${detail} — events since the last position were not delivered; reload the snapshot (GET /api/product/), live events follow.`;
}

/**
 * The `--json` line for a frame: the relay's own text when it is already one line, else the parsed
 * message re-serialised, so every line on stdout is exactly one JSON object.
 */
export function formatJson(raw: string, message: unknown): string {
  return raw.includes('\n') || raw.includes('\r') ? JSON.stringify(message) : raw;
}
