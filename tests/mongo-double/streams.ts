// Test helper: open a change stream, wait until the server has it open, run writes, collect events.
import type { ChangeStream, ChangeStreamDocument, Document } from 'mongodb';
import { vi } from 'vitest';

/** Collects the next `count` events of `stream`, running `writes` once the stream is open on the server. */
export async function collectEvents(
  stream: ChangeStream<Document, ChangeStreamDocument<Document>>,
  count: number,
  writes: () => Promise<unknown>,
): Promise<ChangeStreamDocument<Document>[]> {
  const events: ChangeStreamDocument<Document>[] = [];
  const reading = (async () => {
    while (events.length < count) events.push(await stream.next());
  })();
  reading.catch(() => {});
  // The driver holds a resume token once its aggregate has been answered: the stream is open.
  await Promise.race([
    vi.waitFor(
      () => {
        if (stream.resumeToken == null) throw new Error('waiting for the change stream to open');
      },
      { timeout: 10_000, interval: 10 },
    ),
    reading,
  ]);
  await writes();
  await reading;
  return events;
}
