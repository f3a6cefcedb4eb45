// MongoDB error codes the double answers with, and the error type every command throws.
import type { Document } from 'bson';
import { MingoError } from 'mingo/util';

/** Error codes and their codeName, as listed in MongoDB's error_codes.yml. */
export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  InvalidBSON: 22,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  CursorNotFound: 43,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  CommandNotSupported: 115,
  IndexKeySpecsConflict: 86,
  InvalidResumeToken: 260,
  ChangeStreamFatalError: 280,
  ChangeStreamHistoryLost: 286,
  IDLFailedToParse: 40414,
  IDLUnknownField: 40415,
  // Codes mongod raises with uassert, named Location<code> on the wire: the awaitable hello's checks.
  Location31368: 31368,
  Location31372: 31372,
  Location31373: 31373,
  Location31382: 31382,
  DuplicateKey: 11000,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

const namesByCode = new Map<number, string>(Object.entries(ErrorCodes).map(([name, code]) => [code, name]));

/** The codeName mongod sends with a code; 'UnknownError' for codes the double has no name for. */
export function codeNameOf(code: number): string {
  return namesByCode.get(code) ?? 'UnknownError';
}

/** A command failure that becomes `{ok: 0, errmsg, code, codeName}` plus any extra fields. */
export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly extra: Document;
  readonly labels: string[];

  constructor(codeName: ErrorCodeName, message: string, extra: Document = {}, labels: string[] = []) {
    super(message);
    this.code = ErrorCodes[codeName];
    this.codeName = codeName;
    this.extra = extra;
    this.labels = labels;
  }
}

/** Turns any error thrown by a command into the reply body mongod would send. */
export function errorReply(error: unknown): Document {
  if (error instanceof CommandError) {
    const reply: Document = { ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName, ...error.extra };
    if (error.labels.length > 0) reply.errorLabels = error.labels;
    return reply;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { ok: 0, errmsg: message, code: ErrorCodes.BadValue, codeName: 'BadValue' };
}

/**
 * Runs a mingo evaluation, turning its errors (unknown operators, bad specs) into the BadValue
 * mongod answers with; a change of _id becomes ImmutableField, as on mongod.
 */
export function evaluate<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CommandError || !(error instanceof MingoError)) throw error;
    if (error.message.includes("immutable field '_id'")) throw new CommandError('ImmutableField', error.message);
    throw new CommandError('BadValue', error.message);
  }
}
