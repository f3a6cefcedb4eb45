// Helpers for test files that need MongoDB: the run's URL and backend, a database name of their
// own, and a connected client (the test closes it).
import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MongoClient, type MongoClientOptions } from 'mongodb';
import { inject } from 'vitest';
import type { MongoBackendName } from './backend.js';

/** The connection string of the run's backend (provided by global-setup.ts). */
export function mongoUrl(): string {
  return inject('mongoUrl');
}

/** Which backend the run uses: 'replica-set' (MONGO_URL), 'mongodb-memory-server' or 'double'. */
export function mongoBackend(): MongoBackendName {
  return inject('mongoBackend');
}

/**
 * A database name unique to one test file and run: pass `import.meta.url` (or any label).
 * Keeps within MongoDB's 63-byte limit and its allowed characters.
 */
export function testDatabaseName(fileUrlOrLabel: string): string {
  const label = fileUrlOrLabel.startsWith('file:')
    ? basename(fileURLToPath(fileUrlOrLabel)).replace(/\.test\.ts$|\.ts$/, '')
    : fileUrlOrLabel;
  const safe = label.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `t_${safe}_${randomBytes(4).toString('hex')}`;
}

/** A connected MongoClient for the run's backend (or `url`). The caller closes it. */
export async function connectClient(options: MongoClientOptions & { url?: string } = {}): Promise<MongoClient> {
  const { url = mongoUrl(), ...clientOptions } = options;
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000, ...clientOptions });
  await client.connect();
  return client;
}
