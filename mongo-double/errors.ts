// MongoDB error codes the double answers with, and the error type every command throws.
import type { Document } from 'bson';
import { MingoError } from 'mingo/util';
import { codeNameOf, ErrorCodes, type ErrorCodeName } from './error-codes.js';

export { codeNameOf, ErrorCodes, type ErrorCodeName } from './error-codes.js';

/** A command failure that becomes `{ok: 0, errmsg, code, codeName}` plus any extra fields. */
export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly extra: Document;

  /** `code` is a name of the table, or any number (an injected code); codeName follows mongod's. */
  constructor(code: ErrorCodeName | number, message: string, extra: Document = {}) {
    super(message);
    this.code = typeof code === 'number' ? code : ErrorCodes[code];
    this.codeName = codeNameOf(this.code);
    this.extra = extra;
  }
}

/** Turns any error thrown by a command into the reply body mongod would send. */
export function errorReply(error: unknown): Document {
  if (error instanceof CommandError) {
    return { ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName, ...error.extra };
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
