// MongoDB 7.0's error codes (src/mongo/base/error_codes.yml) that a client may see from the double,
// its own or injected by a fail point, and the categories that decide labels and topologyVersion.
// A code that is not listed gets the codeName mongod gives codes outside its enum: Location<code>.

/** codeName → code, for the codes the double raises or a test is likely to inject. */
export const ErrorCodes = {
  InternalError: 1, BadValue: 2, NoSuchKey: 4, HostUnreachable: 6, HostNotFound: 7, UnknownError: 8,
  FailedToParse: 9, UserNotFound: 11, Unauthorized: 13, TypeMismatch: 14, Overflow: 15,
  InvalidLength: 16, ProtocolError: 17, AuthenticationFailed: 18, IllegalOperation: 20,
  EmptyArrayOperation: 21, InvalidBSON: 22, LockTimeout: 24, NamespaceNotFound: 26, IndexNotFound: 27,
  PathNotViable: 28, NonExistentPath: 29, InvalidPath: 30, ConflictingUpdateOperators: 40,
  CursorNotFound: 43, NoMatchingDocument: 47, NamespaceExists: 48, MaxTimeMSExpired: 50,
  DollarPrefixedFieldName: 52, InvalidIdField: 53, NotSingleValueField: 54, EmptyFieldName: 56,
  DottedFieldName: 57, CommandNotFound: 59, ShardKeyNotFound: 61, OBSOLETE_StaleShardVersion: 63,
  WriteConcernTimeout: 64, ImmutableField: 66, CannotCreateIndex: 67, IndexAlreadyExists: 68,
  InvalidOptions: 72, InvalidNamespace: 73, UnknownReplWriteConcern: 79, IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86, NetworkTimeout: 89, CallbackCanceled: 90, ShutdownInProgress: 91,
  NotSecondary: 95, OperationFailed: 96, UnsatisfiableWriteConcern: 100, WriteConflict: 112,
  CommandNotSupported: 115, ConflictingOperationInProgress: 117, NamespaceNotSharded: 118,
  DocumentValidationFailure: 121, NotAReplicaSet: 123, CommandFailed: 125,
  FailedToSatisfyReadPreference: 133, ReadConcernMajorityNotAvailableYet: 134, StaleTerm: 135,
  CappedPositionLost: 136, CursorInUse: 143, ExceededMemoryLimit: 146, StaleEpoch: 150,
  ViewDepthLimitExceeded: 165, CommandNotSupportedOnView: 166, OptionNotSupportedOnView: 167, InvalidPipelineOperator: 168,
  QueryPlanKilled: 175, InvalidViewDefinition: 182, PrimarySteppedDown: 189, FailPointEnabled: 192,
  NoSuchSession: 206, InvalidUUID: 207, StaleClusterTime: 209, ElectionInProgress: 216,
  IncompleteTransactionHistory: 217, CloseChangeStream: 222, QueryFeatureNotAllowed: 224,
  TransactionTooOld: 225, RetryChangeStream: 234, CursorKilled: 237, NotImplemented: 238,
  SnapshotTooOld: 239, ConversionFailure: 241, CannotCreateCollection: 242, SnapshotUnavailable: 246,
  NoSuchTransaction: 251, TransactionCommitted: 256, TransactionTooLarge: 257, InvalidResumeToken: 260,
  ExceededTimeLimit: 262, OperationNotSupportedInTransaction: 263, ClientDisconnect: 279,
  ChangeStreamFatalError: 280, ChangeStreamHistoryLost: 286, APIVersionError: 322, APIStrictError: 323,
  APIDeprecationError: 324, ChangeStreamInvalidated: 346, ChangeStreamStartAfterInvalidate: 351,
  ConnectionPoolExpired: 317, InternalTransactionNotSupported: 358, CollectionUUIDMismatch: 361,
  ConnectionError: 384, SocketException: 9001, CannotGrowDocumentInCappedNamespace: 10003,
  LegacyNotPrimary: 10058, NotWritablePrimary: 10107, BSONObjectTooLarge: 10334, DuplicateKey: 11000,
  InterruptedAtShutdown: 11600, Interrupted: 11601, InterruptedDueToReplStateChange: 11602,
  StaleConfig: 13388, NotPrimaryNoSecondaryOk: 13435, NotPrimaryOrSecondary: 13436,
  IDLDuplicateField: 40413, IDLFailedToParse: 40414, IDLUnknownField: 40415, ClientMarkedKilled: 46841,
  NotARetryableWriteCommand: 50768, BackupCursorOpenConflictWithCheckpoint: 50915,
  // uassert codes outside the enum, which mongod names Location<code> on the wire.
  Location31368: 31368, Location31372: 31372, Location31373: 31373, Location31382: 31382,
  Location16869: 16869, Location16870: 16870, Location16871: 16871, Location40323: 40323, Location40324: 40324, Location40602: 40602,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

const namesByCode = new Map<number, string>(Object.entries(ErrorCodes).map(([name, code]) => [code, name]));

/** The codeName mongod sends with `code`. */
export function codeNameOf(code: number): string {
  return namesByCode.get(code) ?? `Location${code}`;
}

/** ErrorCategory::RetriableError. */
export const RETRIABLE_CODES: ReadonlySet<number> = new Set([6, 7, 89, 91, 134, 189, 262, 317, 358, 384, 9001, 10107, 11600, 11602, 13435, 13436, 50915]);
/** ErrorCategory::NetworkError. */
export const NETWORK_CODES: ReadonlySet<number> = new Set([6, 7, 89, 317, 384, 9001]);
/** ErrorCategory::NeedRetargettingError. */
export const NEED_RETARGETTING_CODES: ReadonlySet<number> = new Set([150, 13388]);
/** ErrorCategory::NonResumableChangeStreamError. */
export const NON_RESUMABLE_CHANGE_STREAM_CODES: ReadonlySet<number> = new Set([280, 286]);
/**
 * ErrorCategory::NotPrimaryError and ::ShutdownError: the state-change errors to which mongod 4.4+
 * attaches its topologyVersion, so drivers can tell a stale error from news.
 */
export const STATE_CHANGE_CODES: ReadonlySet<number> = new Set([10107, 13435, 13436, 11602, 189, 91, 11600]);
