import { MongoBulkWriteError, type Collection, type Document, type OptionalUnlessRequiredId } from 'mongodb';

// Group commit for the API's inserts (products, Idempotency-Key claims). Under load, many POSTs reach
// their store within one turn of the event loop; as one insert command each, every one costs MongoDB a command, an oplog write and a wait for
// the majority, and the driver a round trip. Held until the end of the turn (setImmediate: no timer,
// no added wait beyond the turn) they go as one unordered insert, and each caller still learns its
// own document's outcome, as insertOne would have told it:
//  - written and acknowledged by a majority: the caller resolves, when all of the command's are;
//  - refused on its own (a duplicate _id, a validator): unordered, the others were written; the refused
//    document is sent again alone with insertOne, so its caller gets insertOne's own error;
//  - a write concern error: the documents were written but not acknowledged by a majority; every
//    caller not refused rejects with it (a `MongoBulkWriteError` whose result has the error);
//  - the command failed (network, no primary, shutdown): every caller rejects with the driver's error,
//    unwrapped, as insertOne would have thrown it; the outcome is unknown, as for any lost answer;
//  - refused before anything was sent (serialisation): each document is sent alone instead.
// A document alone in its turn goes with insertOne, exactly as without grouping. Retryable writes cover
// the grouped command as they cover insertOne (the driver retries it once with the same transaction
// number, so MongoDB applies it once).

/** Most documents in one insert command. At ≤ 16 KiB per document (the API's body limit) a full group
 * stays one command well under MongoDB's 48 MB message size, so a failure never splits a group. */
export const MAX_GROUP_DOCUMENTS = 1000;

/** How grouped inserts are sent and observed. */
export interface GroupedInsertOptions {
  /** Documents per command, 1 to MAX_GROUP_DOCUMENTS; 1 sends every document alone. */
  maxDocuments: number;
  /** Called once per insert command with its number of documents. */
  onCommand?: (documents: number) => void;
}

interface Waiting<T> {
  doc: OptionalUnlessRequiredId<T>;
  resolve(): void;
  reject(error: unknown): void;
}

/** An insert function for `collection` whose calls within one event-loop turn share one command. */
export function groupedInserts<T extends Document>(
  collection: Collection<T>,
  { maxDocuments, onCommand }: GroupedInsertOptions,
): (doc: OptionalUnlessRequiredId<T>) => Promise<void> {
  if (!Number.isInteger(maxDocuments) || maxDocuments < 1 || maxDocuments > MAX_GROUP_DOCUMENTS) {
    throw new RangeError(`maxDocuments must be an integer from 1 to ${MAX_GROUP_DOCUMENTS}, not ${maxDocuments}`);
  }
  if (maxDocuments === 1) {
    return async (doc) => {
      onCommand?.(1);
      await collection.insertOne(doc);
    };
  }
  let waiting: Waiting<T>[] = [];

  const alone = (entry: Waiting<T>): void => {
    onCommand?.(1);
    collection.insertOne(entry.doc).then(() => entry.resolve(), entry.reject);
  };

  const together = (group: Waiting<T>[]): void => {
    onCommand?.(group.length);
    collection
      .insertMany(
        group.map((entry) => entry.doc),
        { ordered: false },
      )
      .then(
        () => {
          for (const entry of group) entry.resolve();
        },
        (error: unknown) => settleFailed(group, error),
      );
  };

  const settleFailed = (group: Waiting<T>[], error: unknown): void => {
    if (!(error instanceof MongoBulkWriteError)) {
      for (const entry of group) alone(entry);
      return;
    }
    // The bulk API wraps a failure of the command itself and keeps the driver's error as the response.
    if (error.errorResponse instanceof Error) {
      for (const entry of group) entry.reject(error.errorResponse);
      return;
    }
    const refused = new Set(error.result.getWriteErrors().map((writeError) => writeError.index));
    const unacknowledged = error.result.getWriteConcernError() !== undefined;
    group.forEach((entry, index) => {
      if (refused.has(index)) alone(entry);
      else if (unacknowledged) entry.reject(error);
      else entry.resolve();
    });
  };

  const flush = (): void => {
    const all = waiting;
    waiting = [];
    for (let start = 0; start < all.length; start += maxDocuments) {
      const group = all.slice(start, start + maxDocuments);
      if (group.length === 1) alone(group[0]!);
      else together(group);
    }
  };

  return (doc) =>
    new Promise<void>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ doc, resolve, reject });
    });
}
