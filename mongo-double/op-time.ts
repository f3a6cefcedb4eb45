// Positions in the double's oplog: a BSON Timestamp's (seconds, increment) pair, kept as plain
// numbers so they compare cheaply and survive restarts unchanged.
import { Timestamp } from 'bson';

/** An oplog position: seconds and increment of a BSON Timestamp. */
export interface OpTime {
  t: number;
  i: number;
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareOpTime(a: OpTime, b: OpTime): number {
  return a.t !== b.t ? a.t - b.t : a.i - b.i;
}

/** The BSON Timestamp for an OpTime. */
export function toTimestamp(time: OpTime): Timestamp {
  return new Timestamp({ t: time.t, i: time.i });
}

/** The OpTime of a BSON Timestamp; null if the value is not one. */
export function fromTimestamp(value: unknown): OpTime | null {
  if (value instanceof Timestamp) return { t: value.t, i: value.i };
  return null;
}

/** The position just before `time`: resuming "after" it includes `time` itself. */
export function previousOpTime(time: OpTime): OpTime {
  if (time.i > 0) return { t: time.t, i: time.i - 1 };
  if (time.t > 0) return { t: time.t - 1, i: 0xffffffff };
  return { t: 0, i: 0 };
}

/**
 * Hands out strictly increasing OpTimes: wall-clock seconds, and an increment that counts writes
 * within a second (as mongod's oplog does). Never goes backwards, even if the wall clock does.
 */
export class OpClock {
  private last: OpTime;

  constructor(private readonly now: () => number = Date.now) {
    this.last = { t: Math.floor(now() / 1000), i: 0 };
  }

  /** The most recent time handed out (or the start time). */
  get current(): OpTime {
    return this.last;
  }

  /** A new time after every earlier one. */
  tick(): OpTime {
    const seconds = Math.floor(this.now() / 1000);
    this.last = seconds > this.last.t ? { t: seconds, i: 1 } : { t: this.last.t, i: this.last.i + 1 };
    return this.last;
  }
}
