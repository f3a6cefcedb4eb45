import { MongoServerError, Timestamp, type ChangeStream, type Collection, type Document } from 'mongodb';
import { MongoErrorCode, TIME_LIMIT_CODES, UNAVAILABLE_CODES } from '../../common/mongo-errors.js';
import { nextClusterTime } from '../../contract/stream-position.js';
import {
  PositionLostError,
  type CatchUpCursor,
  type CatchUpOpener,
  type CatchUpStart,
  type TimedEvent,
} from '../delivery/catch-up-source.js';
import { eventFromChange } from './event-from-change.js';

// Catch-up streams on the products collection, for positions older than the relay's history:
// `startAfter` an event id, or `startAtOperationTime` just after a snapshot's cluster time.

/**
 * Server errors that say nothing about the position (failover, shutdown, timeouts): the client is
 * closed with 1011 and reconnects. Any other server error when a catch-up opens is about the position
 * (MongoDB answers a token it cannot use with several codes: FailedToParse, InvalidResumeToken,
 * ChangeStreamFatalError "resume token was not found", …): the client gets a reset rather than
 * reconnecting forever to the same refusal.
 */
function saysNothingAboutPosition(code: number): boolean {
  return UNAVAILABLE_CODES.has(code) || TIME_LIMIT_CODES.has(code);
}
const MAX_BATCH = 1_000;

/** Creates the opener; each open() is one change stream (the hub bounds how many are open). */
export function createCatchUpOpener({
  collection,
  maxAwaitTimeMS = 500,
}: {
  collection: Collection<Document>;
  maxAwaitTimeMS?: number;
}): CatchUpOpener {
  return {
    open(start: CatchUpStart): CatchUpCursor {
      const position =
        'afterId' in start
          ? { startAfter: { _data: start.afterId } }
          : { startAtOperationTime: new Timestamp(nextClusterTime(start.afterTime)) };
      const stream: ChangeStream<Document> = collection.watch([], { fullDocument: 'updateLookup', maxAwaitTimeMS, ...position });
      // The first read starts at once: it opens the stream. Its result is kept for the first next().
      let inflight: Promise<Document | null> | undefined = stream.tryNext();
      inflight.catch(() => {});
      const take = (): Promise<Document | null> => {
        const read = inflight ?? stream.tryNext();
        inflight = undefined;
        return read;
      };
      // When the stream opens with an empty batch the driver answers that first read only after a
      // getMore (up to maxAwaitTimeMS later); the resume token it caches from the aggregate's answer
      // says sooner that MongoDB accepted the position.
      let settled = false;
      const opening = new Promise<void>((resolve, reject) => {
        stream.once('resumeTokenChanged', () => resolve());
        inflight?.then(
          () => resolve(),
          (error: unknown) => reject(asPositionError(error)),
        );
      }).finally(() => {
        settled = true;
      });
      opening.catch(() => {});
      return {
        opened: () => opening,
        async next() {
          if (!settled) await opening;
          const batch: TimedEvent[] = [];
          // Skips changes that are not about a product, without mistaking them for the head.
          while (batch.length < MAX_BATCH) {
            if (batch.length > 0 && stream.bufferedCount() === 0) break;
            const change = await take();
            if (change === null) break;
            const timed = eventFromChange(change as never);
            if (timed) batch.push(timed);
          }
          return batch;
        },
        async close() {
          await stream.close();
        },
      };
    },
  };
}

function asPositionError(error: unknown): unknown {
  if (!(error instanceof MongoServerError)) return error;
  if (error.code === MongoErrorCode.ChangeStreamHistoryLost)
    return new PositionLostError('history-lost', 'MongoDB no longer holds that position (oplog rolled over); reload a snapshot');
  const transient =
    (typeof error.code === 'number' && saysNothingAboutPosition(error.code)) ||
    error.hasErrorLabel('ResumableChangeStreamError') ||
    error.hasErrorLabel('RetryableError');
  if (transient) return error;
  return new PositionLostError('unknown-position', 'MongoDB does not recognise that position; reload a snapshot');
}
