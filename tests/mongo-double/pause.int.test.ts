import { MongoClient, MongoNetworkTimeoutError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongoDouble, type MongoDouble } from '../../mongo-double/index.js';

// The double's pause control stands in for `kill -STOP` on mongod: sockets open, no answers.

let double: MongoDouble;
let patient: MongoClient;
let impatient: MongoClient;
beforeAll(async () => {
  double = await startMongoDouble();
  patient = await new MongoClient(double.url, { serverSelectionTimeoutMS: 5_000 }).connect();
  impatient = await new MongoClient(double.url, { serverSelectionTimeoutMS: 5_000, socketTimeoutMS: 500 }).connect();
});
afterAll(async () => {
  double?.resume();
  await Promise.all([patient?.close(), impatient?.close()]);
  await double?.stop();
});

describe('a paused double', () => {
  it('answers nothing while paused, keeps connections open, and answers what it held once resumed', async () => {
    await patient.db('pause_control').collection('items').insertOne({ n: 1 });
    double.pause();
    // A client that bounds its sockets sees the silence as a timeout, not as a closed connection.
    await expect(impatient.db('pause_control').command({ ping: 1 })).rejects.toBeInstanceOf(MongoNetworkTimeoutError);
    const held = patient.db('pause_control').collection('items').countDocuments({});
    double.resume();
    expect(await held).toBe(1);
  });
});
