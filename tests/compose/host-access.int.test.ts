import { MongoClient, MongoServerSelectionError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { ensureIndexes } from '../../api/indexes.js';
import { silentLogger } from '../../common/logger.js';
import type { EventMessage } from '../../contract/protocol.js';
import { startMongoDouble, type MongoDouble } from '../../mongo-double/index.js';
import { connect } from '../relay/relay-harness.js';
import { startMongoRelay, type MongoTestRelay } from '../relay/mongo-relay.js';

// A developer on the host reaches the compose replica set at 127.0.0.1:27017, but its member calls
// itself `mongo:27017`, a name only the compose network resolves. Here a MongoDB double plays that
// member (its hello names it mongo:27017) on a loopback port: the replica-set URL fails the way it
// does against compose, and `directConnection=true` (docs/compose.md) serves the api and the relay.
// The double stands in for compose's mongod whatever backend the run uses: no mongod here can be
// told to call itself by a name this machine does not resolve.

let member: MongoDouble;
beforeAll(async () => {
  member = await startMongoDouble({ memberName: 'mongo:27017' });
});
afterAll(() => member?.stop());

describe('connecting from the host to the compose replica set', () => {
  it('fails with ?replicaSet=rs0: the driver follows the member name mongo:27017, which the host cannot resolve', async () => {
    const client = new MongoClient(`mongodb://127.0.0.1:${member.port}/?replicaSet=rs0&serverSelectionTimeoutMS=1500`);
    try {
      await expect(client.db('admin').command({ ping: 1 })).rejects.toBeInstanceOf(MongoServerSelectionError);
    } finally {
      await client.close();
    }
  });

  it('works with ?directConnection=true: the api writes and the relay streams the change', async () => {
    const client = new MongoClient(`mongodb://127.0.0.1:${member.port}/?directConnection=true`);
    let relay: MongoTestRelay | undefined;
    try {
      const db = client.db('host_access');
      await ensureIndexes(db);
      relay = await startMongoRelay(db.collection('products'));
      const subscriber = await connect(relay.url);
      try {
        const app = createApp({ db, logger: silentLogger() });
        const created = await app.request('/api/product/', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ nombre: 'Desde el host', precio: 1, talla: 'S' }),
        });
        expect(created.status).toBe(201);
        const event = await subscriber.next((message): message is EventMessage => message.type === 'event', 15_000);
        expect(event.product).toMatchObject({ nombre: 'Desde el host' });
      } finally {
        subscriber.ws.terminate();
      }
    } finally {
      await relay?.close();
      await client.close();
    }
  });
});
