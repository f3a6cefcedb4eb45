// Measures how long an insert takes to reach a change stream that is already waiting (awaitData
// getMore), on the run's backend. Logs the median; asserts only that every event arrived.
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, mongoBackend, testDatabaseName } from '../harness/mongo.js';

const SAMPLES = 50;

describe('insert to change event latency', () => {
  let client: MongoClient;
  const dbName = testDatabaseName(import.meta.url);

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it(`delivers each of ${SAMPLES} inserts to a waiting stream (median logged)`, async () => {
    const items = client.db(dbName).collection('latency');
    const stream = items.watch();
    const arrivals = new Map<number, number>();
    const reading = (async () => {
      while (arrivals.size < SAMPLES) {
        const event = await stream.next();
        if (event.operationType === 'insert') arrivals.set(event.fullDocument.n as number, performance.now());
      }
    })();
    await expect.poll(() => stream.resumeToken != null, { message: 'the change stream to open', timeout: 10_000 }).toBe(true);
    const samples: number[] = [];
    for (let n = 0; n < SAMPLES; n++) {
      const sent = performance.now();
      await items.insertOne({ n });
      // Wait for this event before the next insert, so the stream is waiting again each time.
      await expect.poll(() => arrivals.has(n), { message: `event ${n}`, timeout: 5000 }).toBe(true);
      samples.push(arrivals.get(n)! - sent);
    }
    await reading;
    await stream.close();
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    console.log(
      `[latency] insert → waiting change stream on ${mongoBackend()}: median ${median.toFixed(2)} ms, p90 ${samples[Math.floor(samples.length * 0.9)]!.toFixed(2)} ms over ${SAMPLES} inserts`,
    );
    expect(arrivals.size).toBe(SAMPLES);
  });
});
