// The one table of MongoDB server error codes this project acts on, by their names in MongoDB's
// error_codes.yml, and the groups the services decide with. Checked against MongoDB 7.0 and the
// driver 7.x's retryable read/write codes.

export const MongoErrorCode = {
  HostUnreachable: 6,
  HostNotFound: 7,
  FailedToParse: 9,
  CursorNotFound: 43,
  MaxTimeMSExpired: 50,
  NetworkTimeout: 89,
  ShutdownInProgress: 91,
  ReadConcernMajorityNotAvailableYet: 134,
  PrimarySteppedDown: 189,
  SnapshotUnavailable: 246,
  InvalidResumeToken: 260,
  ExceededTimeLimit: 262,
  ChangeStreamFatalError: 280,
  ChangeStreamHistoryLost: 286,
  SocketException: 9001,
  DuplicateKey: 11000,
  LegacyNotPrimary: 10058,
  NotWritablePrimary: 10107,
  InterruptedAtShutdown: 11600,
  InterruptedDueToReplStateChange: 11602,
  NotPrimaryNoSecondaryOk: 13435,
  NotPrimaryOrSecondary: 13436,
} as const;

const code = MongoErrorCode;

/**
 * "No usable primary here right now": the driver's retryable codes, plus SnapshotUnavailable (a
 * snapshot read at a point the primary cannot serve yet) and LegacyNotPrimary. Retry shortly.
 */
export const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([
  code.HostUnreachable,
  code.HostNotFound,
  code.NetworkTimeout,
  code.ShutdownInProgress,
  code.ReadConcernMajorityNotAvailableYet,
  code.PrimarySteppedDown,
  code.SnapshotUnavailable,
  code.SocketException,
  code.LegacyNotPrimary,
  code.NotWritablePrimary,
  code.InterruptedAtShutdown,
  code.InterruptedDueToReplStateChange,
  code.NotPrimaryNoSecondaryOk,
  code.NotPrimaryOrSecondary,
]);

/**
 * The operation ran out of time (its own maxTimeMS, or a server limit). About the operation, not the
 * server: the API does not count it as "MongoDB unavailable"; a catch-up stream that opens with it
 * learned nothing about its position and is retried like a failover.
 */
export const TIME_LIMIT_CODES: ReadonlySet<number> = new Set([code.MaxTimeMSExpired, code.ExceededTimeLimit]);
