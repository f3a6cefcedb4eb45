// aggregate: a $changeStream pipeline opens a change stream cursor; any other pipeline runs through
// mingo over a copy of the collection (countDocuments' $match/$group, $sort, $project, $lookup, ...).
// `aggregate: 1` runs a $documents pipeline; other collection-less stages are refused by name.
import { Long, type Document } from 'bson';
import { Aggregator } from 'mingo';
import { Aggregator as ContextAggregator } from 'mingo/aggregator';
import { openChangeStream } from '../change-stream-open.js';
import { deepClone } from '../documents.js';
import { CommandError, evaluate } from '../errors.js';
import { checkCollatedPipeline } from '../collation.js';
import { evalOptionsOf } from '../eval-options.js';
import { checkRunnablePipeline, stageNames } from '../pipeline-stages.js';
import type { CommandHandler } from '../state.js';
import { readSource } from '../views.js';
import { countField, docArray, docField } from './args.js';
import { cursorReply } from './read.js';

/** Stages that start a pipeline without a collection (`aggregate: 1`). */
const COLLECTIONLESS_STAGES = new Set(['$documents', '$currentOp', '$listLocalSessions', '$changeStream', '$listSampledQueries']);

const aggregate: CommandHandler = (command, context) => {
  const { db, state } = context;
  const target: unknown = command.aggregate;
  const pipeline = docArray(command, 'pipeline');
  if (command.explain === true) throw new CommandError('CommandNotSupported', 'explain is not supported by the MongoDB test double');
  if (pipeline[0] && '$changeStream' in pipeline[0]) {
    const stream = openChangeStream(state.store, db, target, pipeline);
    const batchSize = countField(docField(command, 'cursor'), 'batchSize') ?? 101;
    const batch = stream.read(batchSize);
    const ns = typeof target === 'string' ? `${db}.${target}` : `${db}.$cmd.aggregate`;
    const id = batch.invalidated ? Long.ZERO : state.cursors.open({ kind: 'changeStream', ns, stream, busy: false }).id;
    return { cursor: { firstBatch: batch.events, postBatchResumeToken: stream.postBatchResumeToken(), id, ns }, ok: 1 };
  }
  const source = (name: string): Document[] => (readSource(state.store, db, name)?.all() ?? []).map(deepClone);
  if (target === 1) {
    const first = stageNames(pipeline)[0];
    if (first === undefined || !COLLECTIONLESS_STAGES.has(first)) {
      throw new CommandError(
        'InvalidNamespace',
        `{aggregate: 1} is not valid for '${first ?? 'an empty pipeline'}'; a collection is required.`,
      );
    }
    if (first !== '$documents') throw new CommandError('CommandNotSupported', `${first} is not supported by the MongoDB test double`);
    checkRunnablePipeline(pipeline);
    const evalOptions = evalOptionsOf(command);
    if (evalOptions.collation) checkCollatedPipeline(pipeline);
    const Runner = evalOptions.context ? ContextAggregator : Aggregator;
    const results = evaluate(() => new Runner(pipeline, { ...evalOptions, collectionResolver: source }).run([]) as Document[]);
    return cursorReply(context, `${db}.$cmd.aggregate`, results, command);
  }
  if (typeof target !== 'string') throw new CommandError('TypeMismatch', "'aggregate' must be a collection name or 1");
  checkRunnablePipeline(pipeline);
  const evalOptions = evalOptionsOf(command);
  if (evalOptions.collation) checkCollatedPipeline(pipeline);
  const Runner = evalOptions.context ? ContextAggregator : Aggregator;
  const results = evaluate(() => new Runner(pipeline, { ...evalOptions, collectionResolver: source }).run(source(target)) as Document[]);
  return cursorReply(context, `${db}.${target}`, results, command);
};

/** Aggregation commands by name. */
export const aggregateCommands: Record<string, CommandHandler> = { aggregate };
