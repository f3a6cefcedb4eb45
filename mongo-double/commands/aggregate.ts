// aggregate: a $changeStream pipeline opens a change stream cursor; any other pipeline runs through
// mingo over a copy of the collection (countDocuments' $match/$group, $sort, $project, $lookup, ...).
import { Long, type Document } from 'bson';
import { Aggregator } from 'mingo';
import { openChangeStream } from '../change-stream-open.js';
import { deepClone } from '../documents.js';
import { CommandError, evaluate } from '../errors.js';
import type { CommandHandler } from '../state.js';
import { countField, docArray, docField } from './args.js';
import { cursorReply } from './read.js';

const WRITING_STAGES = new Set(['$out', '$merge']);

const aggregate: CommandHandler = (command, context) => {
  const { db, state } = context;
  const target: unknown = command.aggregate;
  const pipeline = docArray(command, 'pipeline');
  if (command.explain === true) throw new CommandError('IllegalOperation', 'explain is not supported by the MongoDB test double');
  if (pipeline[0] && '$changeStream' in pipeline[0]) {
    const stream = openChangeStream(state.store, db, target, pipeline);
    const batchSize = countField(docField(command, 'cursor'), 'batchSize') ?? 101;
    const batch = stream.read(batchSize);
    const ns = typeof target === 'string' ? `${db}.${target}` : `${db}.$cmd.aggregate`;
    const id = batch.invalidated ? Long.ZERO : state.cursors.open({ kind: 'changeStream', ns, stream, busy: false }).id;
    return { cursor: { firstBatch: batch.events, postBatchResumeToken: stream.postBatchResumeToken(), id, ns }, ok: 1 };
  }
  if (typeof target !== 'string') throw new CommandError('InvalidNamespace', "the double only runs collection aggregations and $changeStream on 'aggregate: 1'");
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0] ?? '';
    if (WRITING_STAGES.has(name)) throw new CommandError('CommandNotSupported', `${name} is not supported by the MongoDB test double`);
  }
  const source = (name: string): Document[] => (state.store.collection(db, name)?.all() ?? []).map(deepClone);
  const results = evaluate(() => new Aggregator(pipeline, { collectionResolver: source }).run(source(target)) as Document[]);
  return cursorReply(context, `${db}.${target}`, results, command);
};

/** Aggregation commands by name. */
export const aggregateCommands: Record<string, CommandHandler> = { aggregate };
