import { z } from 'zod';
import type { Product, ProductFilterField } from './product.js';

// Relay protocol version 1: text frames, one JSON object each, discriminated by `type`. This module is
// the single source of truth for the messages; the consumer and the benchmarks import it.

export const PROTOCOL_VERSION = 1;

export const OPERATIONS = ['insert', 'update', 'replace', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** What a client subscribed to: operation types, and exact-match conditions on product fields. */
export interface Subscription {
  ops: Operation[];
  where: Partial<Record<ProductFilterField, string | number>>;
}

/**
 * Sent once, first, on every connection. Without `since` it comes once the relay's change stream is
 * open, so every change committed after the welcome follows it; a `reset` waits for the same.
 */
export interface WelcomeMessage {
  type: 'welcome';
  protocol: typeof PROTOCOL_VERSION;
  /** Identifies the relay instance (changes on every start). */
  relayId: string;
  /** How often the relay pings; a client may treat silence for twice this as a dead connection. */
  heartbeatMs: number;
  /**
   * Outcome of `?since=`: `none` when no position was asked for; `resumed` when every matching event
   * after it follows, in order; `reset` when a `reset` message follows instead.
   */
  resume: 'none' | 'resumed' | 'reset';
  subscription: Subscription;
}

/** One change to a product. `id` is the change stream resume token: the event's id and a position. */
export interface EventMessage {
  type: 'event';
  id: string;
  op: Operation;
  ns: { db: string; coll: string };
  key: { id: string };
  /** Wall-clock time of the change in MongoDB (ISO 8601). */
  at: string;
  /** The product after the change as the API would return it; null for deletes. */
  product: Product | null;
  /** For updates: fields set (dotted paths) and fields removed. */
  changes?: { updated: Record<string, unknown>; removed: string[] };
}

export type ResetReason = 'history-lost' | 'unknown-position' | 'relay-position-lost';

/** The requested position is gone: reload a snapshot (GET /api/product/), then continue live. */
export interface ResetMessage {
  type: 'reset';
  reason: ResetReason;
  message: string;
}

/** Answer to a client's application-level `ping` (browsers cannot send WebSocket pings). */
export interface PongMessage {
  type: 'pong';
}

export type ServerMessage = WelcomeMessage | EventMessage | ResetMessage | PongMessage;

/** The only message a client may send. Anything else closes the connection with CloseCode.policy. */
export const clientMessage = z.discriminatedUnion('type', [z.object({ type: z.literal('ping') }).strict()]);
export type ClientMessage = z.infer<typeof clientMessage>;
