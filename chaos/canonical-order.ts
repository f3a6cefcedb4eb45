import { Timestamp, type Collection, type Document } from 'mongodb';
import { nextClusterTime, parseStreamPosition } from '../contract/stream-position.js';

// The truth a consumer is checked against. With concurrent writers "in order" cannot mean the order
// the requests were sent or acknowledged in; it means the order MongoDB committed them, which is the
// change stream's order. So the checker opens its own change stream from the run's start position,
// apart from the relay, and reads it to the end of the run.

/** One change, as the checker's own change stream saw it. */
export interface CanonicalEvent {
  /** The resume token (`_id._data`): what the relay must send as the event id. */
  id: string;
  op: string;
  productId: string;
}

/** Options for reading the canonical order. */
export interface CanonicalOptions {
  /** `time:<t>.<i>` (GET /api/product/'s position) or a resume token: read every change after it. */
  after: string;
  /** Operation types to keep (the relay's default subscription is inserts only). */
  ops?: string[];
  /** Stop once this many changes were read... */
  expected: number;
  /** ...or when this much time has passed. */
  timeoutMs: number;
}

/** Reads the changes of `collection` after a position, in commit order. */
export async function readCanonicalOrder(collection: Collection<Document>, options: CanonicalOptions): Promise<CanonicalEvent[]> {
  const time = parseStreamPosition(options.after);
  const start = time ? { startAtOperationTime: new Timestamp(nextClusterTime(time)) } : { startAfter: { _data: options.after } };
  const stream = collection.watch([], { ...start, maxAwaitTimeMS: 500 });
  const events: CanonicalEvent[] = [];
  const ops = options.ops ?? ['insert'];
  const deadline = Date.now() + options.timeoutMs;
  try {
    while (events.length < options.expected && Date.now() < deadline) {
      const change = await stream.tryNext();
      if (!change) continue;
      if (!ops.includes(change.operationType)) continue;
      const key = (change as { documentKey?: { _id?: unknown } }).documentKey;
      const id = (change._id as { _data: string })._data;
      events.push({ id, op: change.operationType, productId: String(key?._id) });
    }
  } finally {
    await stream.close();
  }
  return events;
}
