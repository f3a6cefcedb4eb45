// Open cursors by id. Ids are BSON int64 (the driver rejects int32 ids). Idle cursors expire, and the
// number of cursors is bounded, so clients that never close them cannot grow the double's memory.
import { calculateObjectSize, Long, type Document, type Timestamp } from 'bson';
import type { ChangeStream } from './change-stream.js';

/** A query result being paged through by getMore. */
export interface FindCursor {
  kind: 'find';
  ns: string;
  docs: Document[];
  offset: number;
  atClusterTime?: Timestamp;
}

/** An open change stream. `busy` while a getMore is waiting on it. */
export interface StreamCursor {
  kind: 'changeStream';
  ns: string;
  stream: ChangeStream;
  busy: boolean;
}

/** A registered cursor. */
export type Cursor = (FindCursor | StreamCursor) & { id: Long; lastUsed: number };

/** Largest reply batch, below the 16 MiB BSON limit with room for the envelope. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;

/** The registry of open cursors. */
export class CursorRegistry {
  private readonly cursors = new Map<string, Cursor>();

  constructor(
    private readonly maxCursors = 10_000,
    private readonly idleMs = 10 * 60_000,
  ) {}

  /** Registers a cursor and gives it a fresh positive int64 id. */
  open(cursor: FindCursor | StreamCursor): Cursor {
    if (this.cursors.size >= this.maxCursors) {
      const oldest = this.cursors.keys().next().value;
      if (oldest !== undefined) this.cursors.delete(oldest);
    }
    let id: Long;
    do id = Long.fromBits(Math.floor(Math.random() * 0x100000000) | 0, Math.floor(Math.random() * 0x7fffffff) + 1);
    while (this.cursors.has(id.toString()));
    const registered = Object.assign(cursor, { id, lastUsed: Date.now() });
    this.cursors.set(id.toString(), registered);
    return registered;
  }

  /** The cursor with this id, marked as used; undefined if unknown or expired. */
  get(id: Long | number): Cursor | undefined {
    const cursor = this.cursors.get(id.toString());
    if (cursor) {
      // Re-insert so iteration order stays least-recently-used first.
      this.cursors.delete(id.toString());
      this.cursors.set(id.toString(), cursor);
      cursor.lastUsed = Date.now();
    }
    return cursor;
  }

  /** Closes a cursor; false if it was not open. */
  close(id: Long | number): boolean {
    return this.cursors.delete(id.toString());
  }

  /** Forgets every cursor (a restarted mongod has none). */
  clear(): void {
    this.cursors.clear();
  }

  /** Closes cursors idle for longer than the timeout. */
  expireIdle(now = Date.now()): void {
    for (const [key, cursor] of this.cursors) {
      if (now - cursor.lastUsed > this.idleMs && !(cursor.kind === 'changeStream' && cursor.busy)) this.cursors.delete(key);
    }
  }
}

/** Takes the next batch from a find cursor: at most `limit` documents and never over the size bound. */
export function takeBatch(cursor: FindCursor, limit: number): Document[] {
  const batch: Document[] = [];
  let bytes = 0;
  while (batch.length < limit && cursor.offset < cursor.docs.length) {
    const doc = cursor.docs[cursor.offset]!;
    const size = calculateObjectSize(doc);
    if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
    batch.push(doc);
    bytes += size;
    cursor.offset += 1;
  }
  return batch;
}
