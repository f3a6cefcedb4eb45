// Test helper: open a change stream, wait until the server has it open, run writes, collect events.
import type { ChangeStream, ChangeStreamDocument, Document } from 'mongodb';
import { waitUntil } from './wait.js';

/** Collects the next `count` events of `stream`, running `writes` once the stream is open on the server. */
export async function collectEvents(stream: ChangeStream<Document, ChangeStreamDocument<Document>>, count: number, writes: () => Promise<unknown>): Promise<ChangeStreamDocument<Document>[]> {
  const events: ChangeStreamDocument<Document>[] = [];
  const reading = (async () => {
    while (events.length < count) events.push(await stream.next());
  })();
  reading.catch(() => {});
  // The driver holds a resume token once its aggregate has been answered: the stream is open.
  await Promise.race([waitUntil(() => stream.resumeToken != null, 10_000, 'the change stream to open'), reading]);
  await writes();
  await reading;
  return events;
}
