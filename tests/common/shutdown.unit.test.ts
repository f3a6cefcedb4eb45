import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { handleShutdownSignals, stopRequests } from '../../common/shutdown.js';
import { silentLogger } from '../../common/logger.js';

// The one signal rule of every process: first signal drains, a repeat within the window is the same
// request, a later one exits at once; a drain that fails or hangs past its deadline exits 1.

function harness(stop: () => Promise<void>, deadlineMs = 1_000) {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  let exited!: (code: number) => void;
  const firstExit = new Promise<number>((resolve) => (exited = resolve));
  const handle = handleShutdownSignals({
    logger: silentLogger(),
    stop,
    deadlineMs,
    emitter: emitter as unknown as NodeJS.Process,
    exit: (code) => {
      exits.push(code);
      exited(code);
    },
  });
  return { emitter, exits, firstExit, handle };
}

describe('shutdown on signals', () => {
  it('drains once and exits 0 when the same Ctrl-C arrives twice at once', async () => {
    let stops = 0;
    const { emitter, exits, firstExit } = harness(async () => void (stops += 1));
    emitter.emit('SIGINT');
    emitter.emit('SIGINT');
    expect(await firstExit).toBe(0);
    expect(stops).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('exits 1 at once on a signal after the repeat window', () => {
    let clock = 0;
    const request = stopRequests(1_000, () => clock);
    expect(request()).toBe('first');
    clock = 500;
    expect(request()).toBe('repeat');
    clock = 1_500;
    expect(request()).toBe('insist');
  });

  it('exits 1 when the drain hangs past its deadline, and when it fails', async () => {
    const hung = harness(() => new Promise(() => {}), 50);
    hung.emitter.emit('SIGTERM');
    expect(await hung.firstExit).toBe(1);
    const failed = harness(async () => {
      throw new Error('close failed');
    });
    failed.emitter.emit('SIGTERM');
    expect(await failed.firstExit).toBe(1);
  });

  it('exits with the code a process asks for when it cannot heal', async () => {
    const { handle, firstExit } = harness(async () => {});
    handle.shutdown('change feed cannot go on', 1);
    expect(await firstExit).toBe(1);
  });
});
