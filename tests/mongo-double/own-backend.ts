// Test helper for fail-point tests. A fail point is one per server (appName only filters who is
// hit), so a file that configures one runs on a server of its own when the harness can start one,
// and falls back to the run's shared backend (MONGO_URL) otherwise.
import type { MongoClient, MongoClientOptions } from 'mongodb';
import { startControllableMongo } from '../harness/controllable-mongo.js';
import { connectClient } from '../harness/mongo.js';

/** A connected client on a server of this file's own when possible; `stop` closes both. */
export async function connectOwnBackend(options: MongoClientOptions = {}): Promise<{ client: MongoClient; stop: () => Promise<void> }> {
  const own = await startControllableMongo();
  const client = await connectClient(own ? { ...options, url: own.url } : options);
  return {
    client,
    stop: async () => {
      await client.close();
      await own?.stop();
    },
  };
}
