import type { EventMessage } from '../contract/protocol.js';

// The synthetic events every target delivers: real protocol v1 insert events (about 300 bytes of JSON,
// the shape the relay sends for a change), each carrying its sequence number in `product.nombre` so
// a load client can check count and order without parsing JSON.

/** What a load client searches for in a frame; the decimal sequence number follows it. */
export const SEQUENCE_MARKER = '"nombre":"bench-';

const fixedTime = '2026-01-01T00:00:00.000Z';

/** The event with sequence number `seq` of a run tagged `run` (tokens stay unique across runs). */
export function benchEvent(seq: number, run: number): EventMessage {
  const hex = seq.toString(16).padStart(8, '0');
  const productId = `65${run.toString(16).padStart(6, '0')}aa00bb00cc${hex}`.slice(0, 24);
  return {
    type: 'event',
    id: `8265${run.toString(16).toUpperCase().padStart(8, '0')}000000012B04${hex.toUpperCase()}0004`,
    op: 'insert',
    ns: { db: 'shop', coll: 'products' },
    key: { id: productId },
    at: fixedTime,
    product: { id: productId, nombre: `bench-${seq}`, precio: 999.99, talla: 'L', createdAt: fixedTime, updatedAt: fixedTime },
  };
}

/** Events 0..count-1 of one run, built before timing starts (they come from outside the target). */
export function benchEvents(count: number, run: number): EventMessage[] {
  return Array.from({ length: count }, (_, seq) => benchEvent(seq, run));
}
