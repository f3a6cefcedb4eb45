// Runs one command: looks up its handler, applies the failCommand fail point, replays retried
// writes, turns errors into error replies, and stamps operationTime/$clusterTime as a replica-set
// member does (the time of the latest oplog entry once the command has run).
import { Binary, Long, type Document } from 'bson';
import { commandTable } from './commands/index.js';
import { valueKey } from './documents.js';
import { addServerErrorFields, type OperationFacts } from './error-labels.js';
import { CommandError, errorReply } from './errors.js';
import { toTimestamp } from './op-time.js';
import { refuseOnView } from './views.js';
import type { ConnectionInfo, DoubleState } from './state.js';

/** The reply to send, or an instruction to close the connection without one (fail point). */
export type DispatchResult = { reply: Document } | { closeConnection: true };

const RETRYABLE_WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);
/** Commands that need a collection: on a view they are CommandNotSupportedOnView (166). */
const WRITES_REFUSED_ON_VIEWS = new Set([
  'insert',
  'update',
  'delete',
  'findAndModify',
  'findandmodify',
  'createIndexes',
  'dropIndexes',
  'listIndexes',
  'collMod',
]);
const MAX_REMEMBERED_WRITES = 10_000;
const ZERO_SIGNATURE = { hash: new Binary(Buffer.alloc(20), 0), keyId: Long.ZERO };

/** Executes `command` against database `db` for `connection`. Never throws. */
export async function dispatch(command: Document, db: string, state: DoubleState, connection: ConnectionInfo): Promise<DispatchResult> {
  const name = Object.keys(command)[0] ?? '';
  let reply: Document;
  const facts: OperationFacts = {};
  try {
    const outcome = await run(name, command, db, state, connection, facts);
    if ('closeConnection' in outcome) return outcome;
    reply = outcome.reply;
  } catch (error) {
    if (!(error instanceof CommandError)) state.logger.warn({ err: error, command: name, db }, 'command failed unexpectedly');
    reply = errorReply(error);
  }
  addServerErrorFields(reply, name, command, facts, state);
  const time = toTimestamp(state.store.oplog.head);
  reply.operationTime = time;
  reply.$clusterTime = { clusterTime: time, signature: ZERO_SIGNATURE };
  return { reply };
}

async function run(
  name: string,
  command: Document,
  db: string,
  state: DoubleState,
  connection: ConnectionInfo,
  facts: OperationFacts,
): Promise<DispatchResult> {
  const handler = commandTable.get(name);
  if (!handler) throw new CommandError('CommandNotFound', `no such command: '${name}'`);
  if (command.startTransaction === true || command.autocommit === false) {
    // Not IllegalOperation (20): the driver rewrites that code into a misleading retryable-writes message.
    throw new CommandError('CommandNotSupported', 'multi-document transactions are not supported by the MongoDB test double');
  }
  const failure = state.failPoints.check(name, namespaceOf(name, command, db), connection.appName);
  if (failure?.labels) facts.labelsOverride = failure.labels;
  if (failure?.blockMs) await delay(failure.blockMs, connection.signal);
  if (failure?.closeConnection) return { closeConnection: true };
  if (failure?.error) return { reply: { ...failure.error } };
  if (WRITES_REFUSED_ON_VIEWS.has(name) && typeof command[name] === 'string') refuseOnView(state.store, db, command[name] as string);

  checkWriteConcern(command.writeConcern);
  const retryKey = RETRYABLE_WRITES.has(name) ? retryKeyOf(command) : null;
  const remembered = retryKey ? state.retriedWrites.get(retryKey) : undefined;
  if (remembered) return { reply: { ...remembered } };

  const reply = await handler(command, { db, state, connection, facts });
  if (retryKey && reply.ok === 1) {
    if (state.retriedWrites.size >= MAX_REMEMBERED_WRITES) state.retriedWrites.delete(state.retriedWrites.keys().next().value!);
    state.retriedWrites.set(retryKey, { ...reply });
  }
  if (failure?.writeConcernError) reply.writeConcernError = failure.writeConcernError;
  return { reply };
}

/** The namespace a fail point's `namespace` filter compares with: db.collection, or db.$cmd. */
function namespaceOf(name: string, command: Document, db: string): string {
  const target: unknown = name === 'getMore' ? command.collection : command[name];
  return typeof target === 'string' ? `${db}.${target}` : `${db}.$cmd`;
}

/** A one-member set can satisfy w: 0, 1 and 'majority' only; mongod refuses the rest up front. */
function checkWriteConcern(concern: unknown): void {
  const w: unknown = (concern as Document | undefined)?.w;
  if (typeof w === 'number' && (w < 0 || w > 50))
    throw new CommandError('FailedToParse', `w has to be a non-negative number and not greater than 50; found: ${w}`);
  if (typeof w === 'number' && w > 1) throw new CommandError('UnsatisfiableWriteConcern', 'Not enough data-bearing nodes');
  if (typeof w === 'string' && w !== 'majority') throw new CommandError('UnknownReplWriteConcern', `unrecognized write concern mode: ${w}`);
}

/** Session id and transaction number identify one retryable write across its retries. */
function retryKeyOf(command: Document): string | null {
  const lsid = command.lsid as Document | undefined;
  if (!lsid || command.txnNumber === undefined) return null;
  return `${valueKey(lsid.id)}:${String(command.txnNumber)}`;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
