// The error labels mongod attaches by itself (drivers for MongoDB 4.4+ rely on the server for them):
// RetryableWriteError on retryable writes that fail with a transient code, and
// ResumableChangeStreamError on change-stream getMores/aggregates that fail with a resumable one.
// A failCommand fail point that names errorLabels overrides them, as on mongod.
import type { Document } from 'bson';
import type { DoubleState } from './state.js';

/** Transient codes of the retryable-writes specification (the same set as retryable reads). */
const RETRYABLE_CODES = new Set([6, 7, 89, 91, 134, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
/** Resumable codes of the change-streams specification (CursorNotFound is special-cased by drivers). */
const RESUMABLE_CODES = new Set([6, 7, 63, 89, 91, 133, 150, 189, 234, 262, 9001, 10107, 11600, 11602, 13388, 13435, 13436]);
const RETRYABLE_WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);

/** Adds the labels mongod would to an error reply that carries none. */
export function addServerLabels(reply: Document, name: string, command: Document, state: DoubleState): void {
  if ('errorLabels' in reply) return;
  // A write that succeeded but missed its write concern is retryable too, by the concern's code.
  const concernCode: unknown = (reply.writeConcernError as Document | undefined)?.code;
  const code: unknown = reply.ok === 0 ? reply.code : concernCode;
  if (typeof code !== 'number') return;
  const labels: string[] = [];
  if (RETRYABLE_WRITES.has(name) && command.txnNumber !== undefined && RETRYABLE_CODES.has(code)) labels.push('RetryableWriteError');
  if (reply.ok === 0 && RESUMABLE_CODES.has(code) && isChangeStreamCommand(name, command, state)) labels.push('ResumableChangeStreamError');
  if (labels.length > 0) reply.errorLabels = labels;
}

function isChangeStreamCommand(name: string, command: Document, state: DoubleState): boolean {
  if (name === 'aggregate') {
    const first: unknown = Array.isArray(command.pipeline) ? command.pipeline[0] : undefined;
    return typeof first === 'object' && first !== null && '$changeStream' in first;
  }
  if (name !== 'getMore') return false;
  const id: unknown = command.getMore;
  return (typeof id === 'number' || (typeof id === 'object' && id !== null)) && state.cursors.get(id as number)?.kind === 'changeStream';
}
