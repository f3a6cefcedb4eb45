import { z } from 'zod';
import { PRODUCT_FILTER_FIELDS, product } from './product.js';

// Relay protocol version 1: text frames, one JSON object each, discriminated by `type`. The zod
// schemas below are the single source of truth: the relay builds its messages from the inferred
// types, and clients check every frame they receive with `serverMessage`. Objects are not strict,
// so a client keeps working when a later relay adds a field.

export const PROTOCOL_VERSION = 1;

export const OPERATIONS = ['insert', 'update', 'replace', 'delete'] as const;
export const operation = z.enum(OPERATIONS);
export type Operation = z.infer<typeof operation>;

/** What a client subscribed to: operation types, and exact-match conditions on product fields. */
export const subscription = z.object({
  ops: z.array(operation),
  where: z.partialRecord(z.enum(PRODUCT_FILTER_FIELDS), z.union([z.string(), z.number()])),
});
export type Subscription = z.infer<typeof subscription>;

/**
 * Sent once, first, on every connection. Without `since` it comes once the relay's change stream is
 * open, so every change committed after the welcome follows it; a `reset` waits for the same.
 */
export const welcomeMessage = z.object({
  type: z.literal('welcome'),
  protocol: z.literal(PROTOCOL_VERSION),
  /** Identifies the relay instance (changes on every start). */
  relayId: z.string(),
  /** How often the relay pings; a client may treat silence for twice this as a dead connection. */
  heartbeatMs: z.number().positive(),
  /**
   * Outcome of `?since=`: `none` when no position was asked for; `resumed` when every matching event
   * after it follows, in order; `reset` when a `reset` message follows instead.
   */
  resume: z.enum(['none', 'resumed', 'reset']),
  subscription,
});
export type WelcomeMessage = z.infer<typeof welcomeMessage>;

/** One change to a product. `id` is the change stream resume token: the event's id and a position. */
export const eventMessage = z.object({
  type: z.literal('event'),
  id: z.string().min(1),
  op: operation,
  ns: z.object({ db: z.string(), coll: z.string() }),
  key: z.object({ id: z.string() }),
  /** Wall-clock time of the change in MongoDB (ISO 8601). */
  at: z.string(),
  /** The product after the change as the API would return it; null for deletes. */
  product: product.nullable(),
  /** For updates: fields set (dotted paths) and fields removed. */
  changes: z.object({ updated: z.record(z.string(), z.unknown()), removed: z.array(z.string()) }).optional(),
});
export type EventMessage = z.infer<typeof eventMessage>;

export const RESET_REASONS = ['history-lost', 'unknown-position', 'relay-position-lost'] as const;
export type ResetReason = (typeof RESET_REASONS)[number];

/** The requested position is gone: reload a snapshot (GET /api/product/), then continue live. */
export const resetMessage = z.object({
  type: z.literal('reset'),
  reason: z.enum(RESET_REASONS),
  message: z.string(),
});
export type ResetMessage = z.infer<typeof resetMessage>;

/** Answer to a client's application-level `ping` (browsers cannot send WebSocket pings). */
export const pongMessage = z.object({ type: z.literal('pong') });
export type PongMessage = z.infer<typeof pongMessage>;

/** Every message the relay sends. */
export const serverMessage = z.discriminatedUnion('type', [welcomeMessage, eventMessage, resetMessage, pongMessage]);
export type ServerMessage = z.infer<typeof serverMessage>;

/** The only message a client may send. Anything else closes the connection with CloseCode.policy. */
export const clientMessage = z.discriminatedUnion('type', [z.object({ type: z.literal('ping') }).strict()]);
export type ClientMessage = z.infer<typeof clientMessage>;
