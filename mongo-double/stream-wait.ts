// awaitData for change streams: a getMore with nothing to return waits until a write appends to the
// oplog (woken by the append, never by polling), the maxTimeMS deadline, or the client going away.
import type { ChangeStream, StreamBatch } from './change-stream.js';
import type { Oplog } from './oplog.js';

/** Reads events now, or waits up to `maxTimeMs` for the first write that yields some. */
export function waitForEvents(
  stream: ChangeStream,
  oplog: Oplog,
  limit: number,
  maxTimeMs: number,
  signal: AbortSignal,
): Promise<StreamBatch> {
  const first = stream.read(limit);
  if (first.events.length > 0 || first.invalidated || maxTimeMs <= 0 || signal.aborted) return Promise.resolve(first);
  return new Promise<StreamBatch>((resolve, reject) => {
    let scheduled = false;
    const finish = (read: () => StreamBatch): void => {
      cleanup();
      try {
        resolve(read());
      } catch (error) {
        reject(error);
      }
    };
    const onAppend = (): void => {
      // A command may append several entries in one go (insertMany): look once it has finished.
      if (scheduled) return;
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        try {
          const batch = stream.read(limit);
          if (batch.events.length > 0 || batch.invalidated) finish(() => batch);
        } catch (error) {
          cleanup();
          reject(error);
        }
      });
    };
    const onTimeout = (): void => finish(() => stream.read(limit));
    const unsubscribe = oplog.onAppend(onAppend);
    const timer = setTimeout(onTimeout, maxTimeMs);
    const onAbort = (): void => finish(() => ({ events: [], invalidated: false }));
    signal.addEventListener('abort', onAbort, { once: true });
    function cleanup(): void {
      unsubscribe();
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  });
}
