import { compareTime, type ClusterTime } from '../../contract/stream-position.js';
import type { Encoded } from './frames.js';
import type { EventMessage } from '../../contract/protocol.js';

// The relay's recent past: every event the live feed delivered, in order, each with a sequence
// number that only grows (also across clear()). Bounded by count and by bytes; the oldest go first.
// A client position is "the next sequence number it needs", so replay and live delivery are one thing:
// write entries from that number up to the newest.

/** One delivered event, serialised once. */
export interface HistoryEntry {
  seq: number;
  event: EventMessage;
  encoded: Encoded;
  /** Cluster time of the change, when the source knows it (MongoDB does; the manual source does not). */
  time?: ClusterTime;
}

/** A bounded, ordered, id-indexed log of recent events. */
export interface History {
  /** Appends an event; returns its entry. */
  append(event: EventMessage, encoded: Encoded, time?: ClusterTime): HistoryEntry;
  /** The sequence number of an event still held, by id. */
  seqOf(id: string): number | undefined;
  /** The entry with this sequence number, if still held. */
  at(seq: number): HistoryEntry | undefined;
  /**
   * The sequence number of the first held event after cluster time `time`, when the history can tell:
   * its oldest event is at or before `time` (so every later event the feed delivered is held, in time
   * order) and a later one is held. Undefined otherwise.
   */
  firstAfterTime(time: ClusterTime): number | undefined;
  /** Sequence number the next appended event will get (= number of events ever appended). */
  readonly nextSeq: number;
  /** Sequence number of the oldest entry still held (= nextSeq when empty). */
  readonly oldestSeq: number;
  readonly size: number;
  readonly bytes: number;
  /** Forgets everything (the feed lost its position: the past is no longer contiguous). */
  clear(): void;
}

/** Creates a history holding at most `maxEvents` events and `maxBytes` bytes of frames. */
export function createHistory({ maxEvents, maxBytes }: { maxEvents: number; maxBytes: number }): History {
  let entries: HistoryEntry[] = [];
  let start = 0; // index of the oldest live entry in `entries`
  let nextSeq = 0;
  let bytes = 0;
  const byId = new Map<string, number>();

  function evictOldest(): void {
    const oldest = entries[start];
    if (!oldest) return;
    entries[start] = undefined as unknown as HistoryEntry;
    start += 1;
    bytes -= oldest.encoded.frame.length;
    if (byId.get(oldest.event.id) === oldest.seq) byId.delete(oldest.event.id);
    // Compact now and then so the array does not grow with the number of events ever seen.
    if (start > 1024 && start * 2 > entries.length) {
      entries = entries.slice(start);
      start = 0;
    }
  }

  return {
    append(event, encoded, time) {
      const entry: HistoryEntry = { seq: nextSeq, event, encoded, ...(time ? { time } : {}) };
      nextSeq += 1;
      if (maxEvents === 0 || encoded.frame.length > maxBytes) {
        // Nothing can be kept: the history is empty and the next sequence number moves on.
        while (entries.length - start > 0) evictOldest();
        return entry;
      }
      while (entries.length - start >= maxEvents || (entries.length > start && bytes + encoded.frame.length > maxBytes)) evictOldest();
      entries.push(entry);
      bytes += encoded.frame.length;
      byId.set(event.id, entry.seq);
      return entry;
    },
    seqOf(id) {
      return byId.get(id);
    },
    at(seq) {
      const oldestSeq = nextSeq - (entries.length - start);
      if (seq < oldestSeq || seq >= nextSeq) return undefined;
      return entries[start + (seq - oldestSeq)];
    },
    firstAfterTime(time) {
      const oldest = entries[start];
      if (!oldest?.time || compareTime(oldest.time, time) > 0) return undefined;
      // Binary search over held entries (contiguous, in time order).
      let low = start;
      let high = entries.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        const entryTime = entries[middle]!.time;
        if (entryTime && compareTime(entryTime, time) <= 0) low = middle + 1;
        else high = middle;
      }
      return low < entries.length ? entries[low]!.seq : undefined;
    },
    get nextSeq() {
      return nextSeq;
    },
    get oldestSeq() {
      return nextSeq - (entries.length - start);
    },
    get size() {
      return entries.length - start;
    },
    get bytes() {
      return bytes;
    },
    clear() {
      entries = [];
      start = 0;
      bytes = 0;
      byId.clear();
    },
  };
}
