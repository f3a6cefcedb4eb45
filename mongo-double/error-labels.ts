// The error labels and topologyVersion mongod attaches to an error reply by itself (drivers for
// MongoDB 4.4+ rely on the server for them), following mongod 7.0's ErrorLabelBuilder:
// - a failCommand fail point that names `errorLabels` replaces them all (an empty array: none);
// - RetryableWriteError on a retryable write (txnNumber, no autocommit) failing, or missing its
//   write concern, with a RetriableError code;
// - otherwise ResumableChangeStreamError on a change-stream aggregate, or a getMore that checked out
//   a change-stream cursor, failing with a retriable, network or retargeting code (a failCommand
//   error on getMore comes before the checkout, so it gets none);
// - otherwise NonResumableChangeStreamError on ChangeStreamFatalError and ChangeStreamHistoryLost.
// State-change errors (NotPrimaryError, ShutdownError) carry the server's topologyVersion, so a
// driver that knows it treats the error as stale instead of dropping the primary.
import type { Document } from 'bson';
import {
  NEED_RETARGETTING_CODES,
  NETWORK_CODES,
  NON_RESUMABLE_CHANGE_STREAM_CODES,
  RETRIABLE_CODES,
  STATE_CHANGE_CODES,
} from './error-codes.js';
import { topologyVersionReply } from './commands/awaitable-hello.js';
import type { DoubleState } from './state.js';

/** What the labelling needs to know about how the command ran. */
export interface OperationFacts {
  /** Labels a failCommand fail point dictated (its `errorLabels`), replacing the computed ones. */
  labelsOverride?: string[];
  /** True once a getMore has checked out a change-stream cursor. */
  checkedOutChangeStream?: boolean;
}

const RETRY_CHANGE_STREAM = 234;
const FAILED_TO_SATISFY_READ_PREFERENCE = 133;

/** Adds labels and topologyVersion to an error reply (or a reply with a writeConcernError), as mongod would. */
export function addServerErrorFields(reply: Document, name: string, command: Document, facts: OperationFacts, state: DoubleState): void {
  const code = reply.ok === 0 && typeof reply.code === 'number' ? reply.code : undefined;
  const concernCode: unknown = (reply.writeConcernError as Document | undefined)?.code;
  const wcCode = typeof concernCode === 'number' ? concernCode : undefined;
  if (code === undefined && wcCode === undefined) return;
  const labels = facts.labelsOverride ?? computeLabels(name, command, code, wcCode, facts);
  if (labels.length > 0) reply.errorLabels = labels;
  if ((code !== undefined && STATE_CHANGE_CODES.has(code)) || (wcCode !== undefined && STATE_CHANGE_CODES.has(wcCode))) {
    reply.topologyVersion = topologyVersionReply(state.topology.topologyVersion);
  }
}

function computeLabels(
  name: string,
  command: Document,
  code: number | undefined,
  wcCode: number | undefined,
  facts: OperationFacts,
): string[] {
  const retryableWrite = command.txnNumber !== undefined && command.autocommit === undefined;
  if (retryableWrite && ((code !== undefined && RETRIABLE_CODES.has(code)) || (wcCode !== undefined && RETRIABLE_CODES.has(wcCode)))) {
    return ['RetryableWriteError'];
  }
  if (code !== undefined && wcCode === undefined && isResumableCode(code) && isChangeStream(name, command, facts))
    return ['ResumableChangeStreamError'];
  if (code !== undefined && NON_RESUMABLE_CHANGE_STREAM_CODES.has(code)) return ['NonResumableChangeStreamError'];
  return [];
}

function isResumableCode(code: number): boolean {
  return (
    RETRIABLE_CODES.has(code) ||
    NETWORK_CODES.has(code) ||
    NEED_RETARGETTING_CODES.has(code) ||
    code === RETRY_CHANGE_STREAM ||
    code === FAILED_TO_SATISFY_READ_PREFERENCE
  );
}

function isChangeStream(name: string, command: Document, facts: OperationFacts): boolean {
  if (name === 'getMore') return facts.checkedOutChangeStream === true;
  if (name !== 'aggregate') return false;
  const first: unknown = Array.isArray(command.pipeline) ? command.pipeline[0] : undefined;
  return typeof first === 'object' && first !== null && '$changeStream' in first;
}
