// Checking a pipeline's stage names as mongod 7.0 parses them, before anything runs: a stage is an
// object with one field (40323), its name is one mongod knows (40324 otherwise), $changeStream comes
// first only (40602), and after $changeStream only the stages MongoDB permits there (IllegalOperation).
// A stage mongod knows but the double does not run is refused with CommandNotSupported, by name.
import type { Document } from 'bson';
import { isPlainObject } from './documents.js';
import { CommandError } from './errors.js';

/** Every aggregation stage a MongoDB 7.0 server (mongod or Atlas) parses. */
const KNOWN_STAGES = new Set([
  '$addFields',
  '$bucket',
  '$bucketAuto',
  '$changeStream',
  '$changeStreamSplitLargeEvent',
  '$collStats',
  '$count',
  '$currentOp',
  '$densify',
  '$documents',
  '$facet',
  '$fill',
  '$geoNear',
  '$graphLookup',
  '$group',
  '$indexStats',
  '$limit',
  '$listLocalSessions',
  '$listSampledQueries',
  '$listSearchIndexes',
  '$listSessions',
  '$lookup',
  '$match',
  '$merge',
  '$out',
  '$planCacheStats',
  '$project',
  '$redact',
  '$replaceRoot',
  '$replaceWith',
  '$sample',
  '$search',
  '$searchMeta',
  '$set',
  '$setWindowFields',
  '$shardedDataDistribution',
  '$skip',
  '$sort',
  '$sortByCount',
  '$unionWith',
  '$unset',
  '$unwind',
  '$vectorSearch',
]);

/** Stages the double runs (through mingo) in a collection or $documents pipeline. */
const RUNNABLE_STAGES = new Set([
  '$addFields',
  '$bucket',
  '$bucketAuto',
  '$count',
  '$densify',
  '$documents',
  '$facet',
  '$fill',
  '$graphLookup',
  '$group',
  '$limit',
  '$lookup',
  '$match',
  '$project',
  '$redact',
  '$replaceRoot',
  '$replaceWith',
  '$sample',
  '$set',
  '$setWindowFields',
  '$skip',
  '$sort',
  '$sortByCount',
  '$unionWith',
  '$unset',
  '$unwind',
]);

/** The stages MongoDB allows after $changeStream. */
const CHANGE_STREAM_STAGES = new Set(['$match', '$project', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$redact']);

/** The name of each stage, checked as mongod parses them; throws mongod's error for a bad one. */
export function stageNames(pipeline: Document[]): string[] {
  return pipeline.map((stage) => {
    const keys = isPlainObject(stage) ? Object.keys(stage) : [];
    if (keys.length !== 1) throw new CommandError('Location40323', 'A pipeline stage specification object must contain exactly one field.');
    const name = keys[0]!;
    if (!KNOWN_STAGES.has(name)) throw new CommandError('Location40324', `Unrecognized pipeline stage name: '${name}'`);
    return name;
  });
}

/** Checks a pipeline that starts with $changeStream. */
export function checkChangeStreamPipeline(pipeline: Document[]): void {
  const [, ...following] = stageNames(pipeline);
  for (const name of following) {
    if (name === '$changeStream') throw new CommandError('Location40602', '$changeStream is only valid as the first stage in a pipeline');
    if (name === '$changeStreamSplitLargeEvent')
      throw new CommandError('CommandNotSupported', '$changeStreamSplitLargeEvent is not supported by the MongoDB test double');
    if (!CHANGE_STREAM_STAGES.has(name)) throw new CommandError('IllegalOperation', `${name} is not permitted in a $changeStream pipeline`);
  }
}

/** Checks a pipeline the double runs through mingo (a collection's, or $documents' at database level). */
export function checkRunnablePipeline(pipeline: Document[]): void {
  for (const name of stageNames(pipeline)) {
    if (name === '$changeStream') throw new CommandError('Location40602', '$changeStream is only valid as the first stage in a pipeline');
    if (!RUNNABLE_STAGES.has(name)) throw new CommandError('CommandNotSupported', `${name} is not supported by the MongoDB test double`);
  }
}
