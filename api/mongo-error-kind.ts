import { MongoBulkWriteError, MongoError, MongoOperationTimeoutError, MongoWriteConcernError } from 'mongodb';
import { MongoErrorCode, TIME_LIMIT_CODES } from '../common/mongo-errors.js';
import type { MongoErrorKind } from './metrics.js';
import { isMongoUnavailable } from './mongo-unavailable.js';

// Sorts a failure that reached the error handler for api_mongo_errors_total: whether MongoDB was away,
// slow, could not get its write acknowledged by a majority, refused a duplicate, or something else.
// Not a MongoDB failure at all: undefined (a bug, counted by the 500s of the request metrics).

// WriteConcernFailed (wtimeout) and UnsatisfiableWriteConcern, when a server reports them as the command's error.
const WRITE_CONCERN_CODES = new Set([64, 100]);

/** The kind of MongoDB failure `error` is, or undefined when it is not one. */
export function mongoErrorKind(error: unknown): MongoErrorKind | undefined {
  if (isMongoUnavailable(error)) return 'unavailable';
  if (!(error instanceof MongoError)) return undefined;
  const code = Number(error.code);
  if (error instanceof MongoOperationTimeoutError || TIME_LIMIT_CODES.has(code)) return 'timeout';
  if (error instanceof MongoWriteConcernError || WRITE_CONCERN_CODES.has(code) || unacknowledgedGroup(error)) return 'write-concern';
  if (code === MongoErrorCode.DuplicateKey) return 'duplicate-key';
  return 'other';
}

// What creates grouped into one command get for a write concern error (grouped-inserts.ts): the bulk
// API's error, carrying the write concern error in its result, where insertOne throws MongoWriteConcernError.
function unacknowledgedGroup(error: MongoError): boolean {
  return error instanceof MongoBulkWriteError && error.result.getWriteConcernError() !== undefined;
}
