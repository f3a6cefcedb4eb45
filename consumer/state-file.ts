import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// The consumer's position (the last event id it printed) kept on disk, so a restarted consumer
// continues where it stopped. Written to a temporary file, flushed, then renamed over the old one:
// a crash mid-write leaves either the old position or the new one, never a torn file. The temporary
// file is named for the writing process (`<file>.<pid>.tmp`): a crash between open and rename leaves
// one behind, which the next start removes once that process is gone.

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

/**
 * Removes `<file>.<pid>.tmp` leftovers of writers that crashed (their process no longer runs); another
 * live process's file is its write in progress and stays. For the start, before this process writes
 * `path`. Resolves with the names removed.
 */
export async function removeStaleTemporaries(path: string): Promise<string[]> {
  const directory = dirname(path);
  const pattern = new RegExp(`^${escapeRegExp(basename(path))}\\.(\\d+)\\.tmp$`);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    // No directory: nothing was ever written there (saving will say so).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const stale = names.filter((name) => {
    const pid = pattern.exec(name)?.[1];
    return pid !== undefined && !processRuns(Number(pid));
  });
  for (const name of stale) await unlink(join(directory, name)).catch(() => undefined);
  return stale;
}

function processRuns(pid: number): boolean {
  // Called at start, before this process writes: a file with our own pid is an earlier process's
  // (in a container the consumer is pid 1 every time).
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
