// vitest globalSetup: picks the MongoDB backend once per run, prints which, and provides its URL to
// every test file (read it with mongoUrl() from ./mongo.ts).
import type { TestProject } from 'vitest/node';
import { startMongoDouble } from '../../mongo-double/index.js';
import { planTestBackend, startTestMongod, type MongoBackendName } from './backend.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUrl: string;
    mongoBackend: MongoBackendName;
  }
}

interface Backend {
  name: MongoBackendName;
  url: string;
  stop(): Promise<void>;
}

async function startBackend(): Promise<Backend> {
  const plan = await planTestBackend();
  if (plan.kind === 'external') return { name: 'replica-set', url: plan.url, stop: async () => {} };
  if (plan.kind === 'mongod') {
    try {
      const replSet = await startTestMongod(plan);
      return { name: 'mongodb-memory-server', url: replSet.getUri(), stop: async () => void (await replSet.stop()) };
    } catch (error) {
      // Asked for explicitly: fail loudly. Merely found in a cache: say so and use the double.
      if (plan.requested) throw error;
      console.warn(`[tests] the cached mongod ${plan.binary ?? ''} did not start (${(error as Error).message}); using the MongoDB double`);
    }
  }
  const double = await startMongoDouble();
  return { name: 'double', url: double.url, stop: () => double.stop() };
}

/** Starts the backend and returns its teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const backend = await startBackend();
  const hint = backend.name === 'double' ? ' (in-memory MongoDB test double; set MONGO_URL to use a real replica set)' : '';
  console.log(`[tests] MongoDB backend: ${backend.name} at ${backend.url}${hint}`);
  project.provide('mongoUrl', backend.url);
  project.provide('mongoBackend', backend.name);
  return () => backend.stop();
}
