import { open, readFile, rename, unlink } from 'node:fs/promises';

// The consumer's position (the last event id it printed) kept on disk, so a restarted consumer
// continues where it stopped. Written to a temporary file, flushed, then renamed over the old one:
// a crash mid-write leaves either the old position or the new one, never a torn file.

/** Reads the saved position; undefined when the file does not exist or is empty. */
export async function readPosition(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const position = text.trim();
  return position === '' ? undefined : position;
}

/** Replaces the file's content with `position` atomically (write, fsync, rename). */
export async function writePosition(path: string, position: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(`${position}\n`, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** Saves positions as they come without queueing one write per event. */
export interface PositionWriter {
  /** Records the newest position; written soon, after any write in progress. */
  save(position: string): void;
  /** Resolves once the newest recorded position is on disk. */
  flush(): Promise<void>;
}

/**
 * A writer that coalesces: while a write is in progress, newer positions replace each other and only
 * the latest is written next. `onError` hears the first failure of each run of failed writes (one
 * notice for a missing directory, not one per event); the consumer keeps running.
 */
export function createPositionWriter(path: string, onError: (error: Error) => void): PositionWriter {
  let pending: string | undefined;
  let writing: Promise<void> | undefined;
  let failing = false;

  const drain = async (): Promise<void> => {
    while (pending !== undefined) {
      const position = pending;
      pending = undefined;
      try {
        await writePosition(path, position);
        failing = false;
      } catch (error) {
        if (!failing) onError(error as Error);
        failing = true;
      }
    }
    writing = undefined;
  };

  return {
    save(position) {
      pending = position;
      writing ??= drain();
    },
    async flush() {
      while (writing) await writing;
    },
  };
}
