import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { UNAVAILABLE_CODES } from '../common/mongo-errors.js';

// Whether a failure means "MongoDB could not be reached or had no usable primary just now" (retry
// shortly) rather than a bug. Checked against driver 7.x:
//  - network trouble is a MongoNetworkError (MongoNetworkTimeoutError, MongoPoolClearedError and
//    PoolClearedOnNetworkError are subclasses), no reachable primary a MongoServerSelectionError;
//  - the driver labels what it would retry or reset for: RetryableWriteError, ResetPool,
//    PoolRequestedRetry, and SystemOverloadedError/RetryableError from an overloaded server;
//  - a server that shuts down or steps down answers with a code (UNAVAILABLE_CODES in common/mongo-errors.ts);
//  - but a socket error hit while the driver waits for its write to drain comes out raw, not wrapped:
//    Connection.writeCommand awaits `once(socket, 'drain')`, which rejects with the socket's own
//    error, e.g. Node's `Error: This socket has been ended by the other party` (code EPIPE) when the
//    server closed the connection just before the write. The driver neither labels nor retries it.
// Causes are followed, so the same failure wrapped by another layer is still recognised.

const UNAVAILABLE_LABELS = ['RetryableWriteError', 'ResetPool', 'PoolRequestedRetry', 'SystemOverloadedError', 'RetryableError'];

// Driver errors that are not exported as classes, by their `name`.
const UNAVAILABLE_NAMES = new Set([
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
]);

// Node's codes for a socket that failed, was refused, reset, ended or closed, or a host not found.
const SOCKET_ERROR_CODES = new Set([
  'EPIPE',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_DESTROYED',
]);
const SOCKET_ERROR_MESSAGE = /^This socket has been ended by the other party$|^This socket is closed$/;

/** Maximum depth of `cause` chains followed. */
const MAX_CAUSES = 5;

/** True when `error` (or one of its causes) says MongoDB was unreachable or without a primary. */
export function isMongoUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSES && current instanceof Error; depth += 1) {
    if (isUnavailableItself(current)) return true;
    current = current.cause;
  }
  return false;
}

function isUnavailableItself(error: Error): boolean {
  if (error instanceof MongoError) {
    return (
      error instanceof MongoNetworkError ||
      error instanceof MongoServerSelectionError ||
      error instanceof MongoNotConnectedError ||
      error instanceof MongoTopologyClosedError ||
      error instanceof MongoServerClosedError ||
      UNAVAILABLE_NAMES.has(error.name) ||
      UNAVAILABLE_LABELS.some((label) => error.hasErrorLabel(label)) ||
      UNAVAILABLE_CODES.has(Number(error.code))
    );
  }
  const code = (error as NodeJS.ErrnoException).code;
  return (typeof code === 'string' && SOCKET_ERROR_CODES.has(code)) || SOCKET_ERROR_MESSAGE.test(error.message);
}
