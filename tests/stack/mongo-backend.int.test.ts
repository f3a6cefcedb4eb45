import { MongoClient } from 'mongodb';
import { DryMongoBinary } from 'mongodb-memory-server';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadStackConfig } from '../../stack/config.js';
import { selectMongoBackend, type MongoBackend } from '../../stack/mongo-backend.js';

// Which MongoDB `npm start` runs on. These start the in-process double (or a real mongod where one is
// installed), never download anything, and check that what was chosen answers as a replica set.

let backend: MongoBackend | undefined;
const saved = process.env.MONGOMS_SYSTEM_BINARY;
afterEach(async () => {
  await backend?.stop();
  backend = undefined;
  if (saved === undefined) delete process.env.MONGOMS_SYSTEM_BINARY;
  else process.env.MONGOMS_SYSTEM_BINARY = saved;
});

async function isWritablePrimary(url: string): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
  try {
    const hello = await client.db('admin').command({ hello: 1 });
    return hello.isWritablePrimary === true && typeof hello.setName === 'string';
  } finally {
    await client.close();
  }
}

describe('MongoDB backend of npm start', () => {
  it('uses MONGO_URL as given and leaves it running on stop', async () => {
    const said: string[] = [];
    backend = await selectMongoBackend(loadStackConfig({ MONGO_URL: inject('mongoUrl') }, [], false), (text) => said.push(text));
    expect(backend.kind).toBe('external');
    expect(backend.url).toBe(inject('mongoUrl'));
    await backend.stop();
    expect(await isWritablePrimary(inject('mongoUrl'))).toBe(true);
  });

  it('without MONGO_URL and without a local mongod, runs the double and warns that it is one', async () => {
    delete process.env.MONGOMS_SYSTEM_BINARY;
    const cached = await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions());
    const said: string[] = [];
    backend = await selectMongoBackend(loadStackConfig({}, [], false), (text) => said.push(text));
    expect(backend.kind).toBe(cached ? 'mongod' : 'double');
    if (backend.kind === 'double') expect(said.join('\n')).toMatch(/DOUBLE: a test stand-in, data in memory only/);
    expect(await isWritablePrimary(backend.url)).toBe(true);
  });

  it('falls back to the double, saying why, when MONGOMS_SYSTEM_BINARY points at nothing', async () => {
    process.env.MONGOMS_SYSTEM_BINARY = '/nonexistent/mongod';
    const said: string[] = [];
    backend = await selectMongoBackend(loadStackConfig({}, [], false), (text) => said.push(text));
    expect(backend.kind).toBe('double');
    expect(said.join('\n')).toMatch(/MONGOMS_SYSTEM_BINARY is unusable/);
    expect(await isWritablePrimary(backend.url)).toBe(true);
  });
});
