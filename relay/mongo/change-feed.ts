import { MongoServerError, type ChangeStream, type Collection, type Document, type ResumeToken } from 'mongodb';
import type { Logger } from '../../common/logger.js';
import type { ClusterTime } from '../../contract/stream-position.js';
import { eventFromChange } from './event-from-change.js';
import type { EventSource, FeedListener } from '../delivery/event-source.js';
import type { EventMessage } from '../../contract/protocol.js';
import { MongoErrorCode } from '../../common/mongo-errors.js';
import { createStallWatchdog } from './stall-watchdog.js';

// The relay's own change stream on the products collection: the EventSource used in production.
// Resumable errors (network, CursorNotFound, ResumableChangeStreamError) are retried inside the driver.
// Anything else: log, report not-ready (/readyz 503), reopen from the last token with capped
// exponential backoff; clients stay connected and, since the hub drops events it already holds, see
// nothing twice. If MongoDB no longer holds our own position (286), every client is reset and the
// stream reopens from now.

/** Events handed to the hub in one go at most (one fan-out batch). */
const MAX_BATCH = 1_000;

/** Options of the change feed; the defaults suit production. */
export interface ChangeFeedOptions {
  collection: Collection<Document>;
  logger: Logger;
  /** How long one read waits at the head of the oplog before answering "nothing yet". */
  maxAwaitTimeMS?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * With no answer from the stream for this long (no batch, not even an empty one), the feed reports
   * not-ready until it moves again: a stalled MongoDB keeps its sockets open and answers nothing.
   */
  stallMs?: number;
  /** Connects the client before the first open, however long MongoDB takes; false means "give up" (shutdown). */
  connect?: () => Promise<boolean>;
  /** How long close() waits for the stream to close before leaving it (default 2 s). */
  closeMs?: number;
  /** Called when the feed cannot go on (a bug in its loop): the process should exit non-zero. */
  onFatal?: (error: unknown) => void;
}

/** Creates the change-stream event source (nothing is opened until start). */
export function createChangeFeed(options: ChangeFeedOptions): EventSource {
  const {
    collection,
    logger,
    maxAwaitTimeMS = 1_000,
    initialBackoffMs = 100,
    maxBackoffMs = 10_000,
    stallMs = 10_000,
    closeMs = 2_000,
    connect,
    onFatal,
  } = options;
  const log = logger.child({ component: 'change-feed', collection: collection.collectionName });
  let closed = false;
  let stream: ChangeStream<Document> | undefined;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function run(listener: FeedListener): Promise<void> {
    if (connect && !(await connect())) return;
    let token: ResumeToken | undefined;
    let backoff = initialBackoffMs;
    const watchdog = createStallWatchdog(stallMs, (stalled) => {
      if (stalled) log.warn({ stallMs }, 'change stream made no progress: not ready until it moves again');
      else log.info('change stream moving again');
      listener.onStatus(!stalled);
    });
    while (!closed) {
      stream = collection.watch([], { fullDocument: 'updateLookup', maxAwaitTimeMS, ...(token ? { startAfter: token } : {}) });
      let tailing = false;
      const opened = () => {
        watchdog.progress();
        if (tailing || closed) return;
        tailing = true;
        backoff = initialBackoffMs;
        watchdog.arm();
        listener.onStatus(true);
        log.info({ resumed: token !== undefined }, 'change stream open');
      };
      // The token the driver caches from the aggregate's answer says the stream is open, without
      // waiting for a first read that may sit at the head for maxAwaitTimeMS.
      stream.once('resumeTokenChanged', opened);
      try {
        while (!closed) {
          const first = await stream.tryNext();
          opened();
          if (first === null) {
            token = stream.resumeToken ?? token;
            listener.onCaughtUp?.();
            continue;
          }
          const changes: Document[] = [first];
          while (changes.length < MAX_BATCH && stream.bufferedCount() > 0) {
            const next = await stream.tryNext();
            if (next === null) break;
            changes.push(next);
          }
          const events: EventMessage[] = [];
          const times: (ClusterTime | undefined)[] = [];
          for (const change of changes) {
            if (change.operationType === 'invalidate') continue;
            const timed = eventFromChange(change as never);
            if (!timed) {
              log.warn({ operationType: change.operationType }, 'ignoring a change that is not about a product');
              continue;
            }
            events.push(timed.event);
            times.push(timed.time);
          }
          // The token is taken before handing over, so a throw in a listener cannot replay the batch.
          token = stream.resumeToken ?? token;
          if (events.length > 0) listener.onEvents(events, times);
          if (changes.some((change) => change.operationType === 'invalidate'))
            throw new Error('change stream invalidated (collection dropped or renamed)');
        }
      } catch (error) {
        if (closed) break;
        watchdog.disarm();
        listener.onStatus(false);
        if (error instanceof MongoServerError && error.code === MongoErrorCode.ChangeStreamHistoryLost) {
          log.error({ err: error }, 'the oplog no longer holds the relay position: resetting clients, reopening from now');
          token = undefined;
          listener.onReset('relay-position-lost', 'the relay lost its place in the change stream; reload a snapshot');
        } else {
          log.warn({ err: error, retryInMs: backoff }, 'change stream failed; reopening from the last position');
        }
        await stream.close().catch(() => {});
        await sleep(backoff);
        backoff = Math.min(maxBackoffMs, backoff * 2);
      }
    }
    watchdog.disarm();
    await stream?.close().catch(() => {});
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  return {
    async start(listener) {
      if (loop) throw new Error('change feed already started');
      listener.onStatus(false);
      loop = run(listener).catch((error: unknown) => {
        log.fatal({ err: error }, 'change feed loop crashed');
        listener.onStatus(false);
        onFatal?.(error);
      });
    },
    async close() {
      closed = true;
      wake?.();
      // A stalled MongoDB never answers the killCursors of close(), and the loop waits in a read
      // until the socket times out: give both a bound, so shutdown never hangs on MongoDB.
      const done = Promise.all([stream?.close().catch(() => {}), loop]);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, closeMs, 'late')));
      if ((await Promise.race([done, late])) === 'late')
        log.warn({ closeMs }, 'change stream did not close in time (MongoDB stalled?); leaving it');
      clearTimeout(timer);
    },
  };
}
