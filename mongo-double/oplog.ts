// The double's oplog: every write in time order, the source of change streams and of every reply's
// operationTime. Bounded: past `maxEntries` the oldest entries are forgotten, as a capped oplog would.
import type { Document, UUID } from 'bson';
import { compareOpTime, OpClock, previousOpTime, type OpTime } from './op-time.js';
import { digestOf, encodeToken } from './resume-token.js';
import { valueKey } from './documents.js';

/** Kinds of oplog entry; each becomes one change event of the same name (plus invalidates). */
export type OplogOp = 'insert' | 'update' | 'replace' | 'delete' | 'drop' | 'dropDatabase' | 'rename' | ExpandedOp;
/** Entries that become events only for streams with showExpandedEvents. */
export type ExpandedOp = 'create' | 'createIndexes' | 'dropIndexes' | 'modify';

/** One oplog entry. Documents held here are never mutated (storage replaces, never edits). */
export interface OplogEntry {
  time: OpTime;
  wallTime: Date;
  op: OplogOp;
  db: string;
  coll?: string;
  documentKey?: Document;
  /** Inserted or replacing document. */
  document?: Document;
  /** For updates: {updatedFields, removedFields, truncatedArrays}. */
  updateDescription?: Document;
  /** The document before an update, replace or delete, when the collection records pre-images. */
  preImage?: Document;
  /** The document after an update, when the collection records pre- and post-images. */
  postImage?: Document;
  /** For a rename: the new namespace. */
  to?: { db: string; coll: string };
  /** The collection's UUID (collectionUUID of expanded events). */
  uuid?: UUID;
  /** For expanded events (and rename's): what the command did. */
  operationDescription?: Document;
  /** For modify: the collection's options before. */
  stateBeforeChange?: Document;
  /** For updates: ambiguous paths of updateDescription and their components. */
  disambiguatedPaths?: Document;
  /** The `_data` of this entry's event token. */
  token: string;
}

/** What a writer supplies; time and token are assigned on append. */
export type OplogWrite = Omit<OplogEntry, 'time' | 'wallTime' | 'token'>;

/** The in-memory oplog with its clock, retention bound and append listeners. */
export class Oplog {
  private entries: OplogEntry[] = [];
  private readonly clock = new OpClock();
  private readonly listeners = new Set<() => void>();
  /** Resuming after a position earlier than this needs entries that are gone (code 286). */
  private historyStart: OpTime;

  constructor(
    readonly epoch: string,
    private readonly maxEntries: number,
  ) {
    this.historyStart = this.clock.current;
  }

  /** Time of the latest write (or of the double's start): every reply's operationTime. */
  get head(): OpTime {
    return this.clock.current;
  }

  /** Number of retained entries. */
  get size(): number {
    return this.entries.length;
  }

  /** Appends a write, trims to the bound and wakes waiting change streams. */
  append(write: OplogWrite): OplogEntry {
    const time = this.clock.tick();
    const digest = digestOf(`${write.db}.${write.coll ?? ''}:${write.op}:${write.documentKey ? valueKey(write.documentKey) : ''}`);
    const entry: OplogEntry = {
      ...write,
      time,
      wallTime: new Date(),
      token: encodeToken({ time, kind: 'event', epoch: this.epoch, digest }),
    };
    this.entries.push(entry);
    if (this.entries.length > this.maxEntries) {
      // Trim in slices of 1/16th so a full oplog does not shift the array on every write.
      const excess = this.entries.length - this.maxEntries + Math.floor(this.maxEntries / 16);
      this.dropOldest(Math.min(excess, this.entries.length));
    }
    for (const listener of [...this.listeners]) listener();
    return entry;
  }

  /** The earliest position a change stream can still resume after. */
  get retainedFrom(): OpTime {
    return this.historyStart;
  }

  /** Whether every entry after `position` is still retained and `position` is not in the future. */
  canResumeAfter(position: OpTime): boolean {
    return compareOpTime(position, this.historyStart) >= 0 && compareOpTime(position, this.head) <= 0;
  }

  /** Index of the first entry strictly after `position`. */
  indexAfter(position: OpTime): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareOpTime(this.entries[middle]!.time, position) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The entry at `index` (from indexAfter), if any. */
  at(index: number): OplogEntry | undefined {
    return this.entries[index];
  }

  /** The retained entry written at exactly `time`. */
  find(time: OpTime): OplogEntry | undefined {
    const entry = this.entries[this.indexAfter(previousOpTime(time))];
    return entry && compareOpTime(entry.time, time) === 0 ? entry : undefined;
  }

  /**
   * Forgets entries written before `before` (default: all of them), so resuming from an older
   * position answers ChangeStreamHistoryLost.
   */
  forget(before?: OpTime): void {
    if (!before) {
      this.entries = [];
      this.historyStart = this.head;
      return;
    }
    const count = this.indexAfter(previousOpTime(before));
    this.entries = this.entries.slice(count);
    const start = previousOpTime(before);
    if (compareOpTime(start, this.historyStart) > 0) this.historyStart = compareOpTime(start, this.head) > 0 ? this.head : start;
  }

  /** Calls `listener` after every append until the returned function is called. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dropOldest(count: number): void {
    const lastDropped = this.entries[count - 1];
    this.entries = this.entries.slice(count);
    if (lastDropped && compareOpTime(lastDropped.time, this.historyStart) > 0) this.historyStart = lastDropped.time;
  }
}
