// One open change stream: a position in the oplog (resume after it), a scope, and the stages that
// follow $changeStream. Reading advances the position past every entry scanned, matching or not, so
// postBatchResumeToken moves even when a $match filters everything out.
import { Aggregator } from 'mingo';
import { calculateObjectSize, type Document } from 'bson';
import { deepClone, sameValue } from './documents.js';
import { CommandError, evaluate } from './errors.js';
import { compareOpTime, type OpTime } from './op-time.js';
import type { Oplog } from './oplog.js';
import { encodeToken } from './resume-token.js';
import { eventsFor, type DocumentLookup, type EventOptions, type StreamScope } from './change-events.js';

/** A batch read from a stream; `invalidated` means the stream is over (its cursor closes). */
export interface StreamBatch {
  events: Document[];
  invalidated: boolean;
}

/** Batches stay well under the 16 MiB reply limit. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/** A change stream's state between getMores. */
export class ChangeStream {
  private position: OpTime;
  /** Token of the last event returned, while the position still points at its entry. */
  private lastEventToken: string | null = null;
  private invalidated = false;
  private readonly aggregator: Aggregator | null;

  constructor(
    private readonly oplog: Oplog,
    private readonly scope: StreamScope,
    private readonly eventOptions: EventOptions,
    stages: Document[],
    start: OpTime,
    private readonly lookup: DocumentLookup,
  ) {
    this.position = start;
    this.aggregator = stages.length > 0 ? evaluate(() => new Aggregator(stages)) : null;
  }

  /** True once an invalidate has been returned. */
  get isInvalidated(): boolean {
    return this.invalidated;
  }

  /** The token a client resumes from: the last event's, or a high-water mark at the position. */
  postBatchResumeToken(): Document {
    if (this.lastEventToken) return { _data: this.lastEventToken };
    return { _data: encodeToken({ time: this.position, kind: 'highWater', epoch: this.oplog.epoch, digest: '00000000' }) };
  }

  /** Reads up to `limit` events after the position; ChangeStreamHistoryLost if they are gone. */
  read(limit: number): StreamBatch {
    if (this.invalidated) return { events: [], invalidated: true };
    if (compareOpTime(this.position, this.oplog.retainedFrom) < 0) {
      throw new CommandError(
        'ChangeStreamHistoryLost',
        'Resume of change stream was not possible, as the resume point may no longer be in the oplog.',
      );
    }
    const events: Document[] = [];
    let bytes = 0;
    for (let index = this.oplog.indexAfter(this.position); events.length < limit && bytes < MAX_BATCH_BYTES; index++) {
      const entry = this.oplog.at(index);
      if (!entry) break;
      let tokenHere: string | null = null;
      for (const event of eventsFor(entry, this.scope, this.eventOptions, this.lookup)) {
        const shaped = this.applyStages(event);
        if (shaped) {
          events.push(shaped);
          bytes += calculateObjectSize(shaped);
          tokenHere = (event._id as Document)._data as string;
        }
        if (event.operationType === 'invalidate') this.invalidated = true;
      }
      this.position = entry.time;
      this.lastEventToken = tokenHere;
      if (this.invalidated) break;
    }
    return { events, invalidated: this.invalidated };
  }

  private applyStages(event: Document): Document | null {
    if (!this.aggregator) return event;
    const aggregator = this.aggregator;
    const [result] = evaluate(() => aggregator.run([deepClone(event)]) as Document[]);
    if (!result) return null;
    if (!sameValue(result._id, event._id)) {
      throw new CommandError(
        'ChangeStreamFatalError',
        'Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed.',
      );
    }
    return result;
  }
}
