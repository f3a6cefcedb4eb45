import type { ProductFilterField } from '../contract/product.js';
import type { EventMessage, Operation, ResetReason, ServerMessage, WelcomeMessage } from '../contract/protocol.js';

// The relay is a separate process reached over the network: its frames are checked for the shape of
// the contract's schemas (contract/protocol.ts) before anything reads them, so a broken or foreign
// peer gets a notice instead of crashing the client. This is a hand-written check rather than the
// contract's zod schemas so that the library stays free of runtime dependencies (zod would be most of
// a browser's download); tests/client/server-message.unit.test.ts holds it to the same answers as
// the schemas. Unknown fields are dropped, so a later relay may add some.

/** What a frame is when it cannot be used, in words for a notice. */
export interface MalformedFrame {
  problem: string;
}

// Records over the contract's unions: adding an operation or a reason there fails the typecheck here.
const operations: Record<Operation, true> = { insert: true, update: true, replace: true, delete: true };
const resetReasons: Record<ResetReason, true> = { 'history-lost': true, 'unknown-position': true, 'relay-position-lost': true };
const filterFields: Record<ProductFilterField, true> = { id: true, nombre: true, precio: true, talla: true };
const resumes: Record<WelcomeMessage['resume'], true> = { none: true, resumed: true, reset: true };

type Fields = Record<string, unknown>;

class Invalid extends Error {}

const isRecord = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const fail = (path: string, what: string): never => {
  throw new Invalid(`at ${path}: expected ${what}`);
};
const record = (value: unknown, path: string): Fields => (isRecord(value) ? value : fail(path, 'an object'));
const text = (value: unknown, path: string, nonEmpty = false): string =>
  typeof value === 'string' && (!nonEmpty || value !== '') ? value : fail(path, nonEmpty ? 'a non-empty string' : 'a string');
const finite = (value: unknown, path: string): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fail(path, 'a number');
const oneOf = <K extends string>(table: Record<K, true>, value: unknown, path: string): K =>
  typeof value === 'string' && Object.hasOwn(table, value) ? (value as K) : fail(path, `one of ${Object.keys(table).join(', ')}`);

function welcome(value: Fields): WelcomeMessage {
  if (value.protocol !== 1) fail('protocol', '1');
  const heartbeatMs = finite(value.heartbeatMs, 'heartbeatMs');
  if (!(heartbeatMs > 0)) fail('heartbeatMs', 'a positive number');
  const subscription = record(value.subscription, 'subscription');
  const ops = Array.isArray(subscription.ops)
    ? subscription.ops.map((op, i) => oneOf(operations, op, `subscription.ops.${i}`))
    : fail('subscription.ops', 'an array');
  const where: WelcomeMessage['subscription']['where'] = {};
  for (const [field, condition] of Object.entries(record(subscription.where, 'subscription.where'))) {
    const path = `subscription.where.${oneOf(filterFields, field, 'subscription.where')}`;
    where[field as ProductFilterField] = typeof condition === 'number' ? finite(condition, path) : text(condition, path);
  }
  return {
    type: 'welcome',
    protocol: 1,
    relayId: text(value.relayId, 'relayId'),
    heartbeatMs,
    resume: oneOf(resumes, value.resume, 'resume'),
    subscription: { ops, where },
  };
}

function event(value: Fields): EventMessage {
  // Checked in the contract's field order, so the first problem named is the schema's first too.
  const id = text(value.id, 'id', true);
  const op = oneOf(operations, value.op, 'op');
  const ns = record(value.ns, 'ns');
  const key = record(value.key, 'key');
  const nsText = { db: text(ns.db, 'ns.db'), coll: text(ns.coll, 'ns.coll') };
  const keyText = { id: text(key.id, 'key.id') };
  const at = text(value.at, 'at');
  let product: EventMessage['product'] = null;
  if (value.product !== null) {
    const p = record(value.product, 'product');
    product = {
      id: text(p.id, 'product.id'),
      nombre: text(p.nombre, 'product.nombre'),
      precio: finite(p.precio, 'product.precio'),
      talla: text(p.talla, 'product.talla'),
      createdAt: text(p.createdAt, 'product.createdAt'),
      updatedAt: text(p.updatedAt, 'product.updatedAt'),
    };
  }
  const message: EventMessage = {
    type: 'event',
    id,
    op,
    ns: nsText,
    key: keyText,
    at,
    product,
  };
  if (value.changes !== undefined) {
    const changes = record(value.changes, 'changes');
    const removed = Array.isArray(changes.removed)
      ? changes.removed.map((field, i) => text(field, `changes.removed.${i}`))
      : fail('changes.removed', 'an array');
    message.changes = { updated: record(changes.updated, 'changes.updated'), removed };
  }
  return message;
}

/** Parses one text frame from the relay; a MalformedFrame says why it is not a usable message. */
export function parseServerMessage(frame: string): ServerMessage | MalformedFrame {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { problem: 'not JSON' };
  }
  if (!isRecord(value) || typeof value.type !== 'string') return { problem: 'no message type' };
  const type = value.type;
  try {
    switch (type) {
      case 'welcome':
        return welcome(value);
      case 'event':
        return event(value);
      case 'reset':
        return { type: 'reset', reason: oneOf(resetReasons, value.reason, 'reason'), message: text(value.message, 'message') };
      case 'pong':
        return { type: 'pong' };
      default:
        return { problem: `unknown message type ${JSON.stringify(type).slice(0, 40)}` };
    }
  } catch (error) {
    if (error instanceof Invalid) return { problem: `${type} ${error.message}` };
    throw error;
  }
}

/** Whether parseServerMessage refused the frame. */
export function isMalformed(parsed: ServerMessage | MalformedFrame): parsed is MalformedFrame {
  return 'problem' in parsed;
}
