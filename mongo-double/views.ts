// Read-only views (create with viewOn and pipeline), as MongoDB evaluates them: a read of a view
// runs its pipeline over its source (itself perhaps a view, up to 20 deep) and then the read's own
// filter, sort, projection or pipeline. Writes, indexes and change streams on a view are refused
// with CommandNotSupportedOnView (166), as mongod refuses them.
import type { Document } from 'bson';
import { Aggregator } from 'mingo';
import type { Collection } from './collection.js';
import { deepClone, isPlainObject, valueKey } from './documents.js';
import { CommandError, evaluate } from './errors.js';
import { checkRunnablePipeline } from './pipeline-stages.js';
import type { Store } from './store.js';

/** What reads need from a collection or a view's output. */
export interface DocumentSource {
  all(): Document[];
  get(id: unknown): Document | undefined;
}

/** A view's definition as stored in its options. */
export interface ViewDefinition {
  viewOn: string;
  pipeline: Document[];
}

/** mongod's limit on views defined on views. */
const MAX_VIEW_DEPTH = 20;

/** The view definition of `collection`, or null for a real collection. */
export function viewOf(collection: Collection | undefined): ViewDefinition | null {
  const viewOn: unknown = collection?.options.viewOn;
  return typeof viewOn === 'string' ? { viewOn, pipeline: (collection!.options.pipeline ?? []) as Document[] } : null;
}

/** Checks `create`'s viewOn and pipeline as mongod does. */
export function checkViewDefinition(options: Document): void {
  if (typeof options.viewOn !== 'string')
    throw new CommandError('TypeMismatch', "BSON field 'create.viewOn' is the wrong type, expected type 'string'");
  if (options.viewOn.length === 0) throw new CommandError('BadValue', "'viewOn' cannot be empty");
  const pipeline: unknown = options.pipeline ?? [];
  if (!Array.isArray(pipeline) || !pipeline.every(isPlainObject))
    throw new CommandError('TypeMismatch', "BSON field 'create.pipeline' is the wrong type, expected type 'array'");
  for (const key of Object.keys(options)) {
    if (key !== 'viewOn' && key !== 'pipeline')
      throw new CommandError('CommandNotSupported', `the view option '${key}' is not supported by the MongoDB test double`);
  }
  checkRunnablePipeline(pipeline as Document[]);
}

/** Throws CommandNotSupportedOnView when db.name is a view. */
export function refuseOnView(store: Store, db: string, name: string): void {
  if (viewOf(store.collection(db, name)))
    throw new CommandError('CommandNotSupportedOnView', `Namespace ${db}.${name} is a view, not a collection`);
}

/** What a read of db.name sees: the collection, a view's computed output, or nothing. */
export function readSource(store: Store, db: string, name: string, depth = 0): DocumentSource | undefined {
  const collection = store.collection(db, name);
  const view = viewOf(collection);
  if (!view) return collection;
  if (depth >= MAX_VIEW_DEPTH)
    throw new CommandError('ViewDepthLimitExceeded', `View depth too deep or view cycle detected; maximum depth is ${MAX_VIEW_DEPTH}`);
  const resolver = (other: string): Document[] => (readSource(store, db, other, depth + 1)?.all() ?? []).map(deepClone);
  const docs = evaluate(() => new Aggregator(view.pipeline, { collectionResolver: resolver }).run(resolver(view.viewOn)) as Document[]);
  return arraySource(docs);
}

function arraySource(docs: Document[]): DocumentSource {
  return { all: () => docs, get: (id) => docs.find((doc) => valueKey(doc._id) === valueKey(id)) };
}
