import type { RunResult } from '../results.js';
import type { Session } from '../session.js';
import type { TargetName } from '../targets/target.js';

// Idle memory: what each open, quiet connection costs a server. RSS after a full GC with no clients,
// then after each step of connections (each step adds to the last), divided by the connections open.
// The JavaScript heap's share is reported beside it: the rest is kernel-side buffers, native memory of
// sockets and allocator overhead.

/** Measures RSS per idle connection at each of `steps` (ascending connection counts). */
export async function runIdle(session: Session, target: TargetName, repeat: number, steps: number[]): Promise<RunResult> {
  const base: RunResult = { scenario: 'idle', target, repeat, lost: 0, outOfOrder: 0 };
  const most = Math.max(...steps);
  return session
    .withTarget(target, { maxClients: most }, async (running) => {
      const empty = await running.child.call('memory', { gc: true });
      const idle: NonNullable<RunResult['idle']> = [];
      let open = 0;
      for (const step of steps) {
        await session.connect(running, { clients: step - open, slow: 0, expected: 0, receipts: false });
        open = step;
        const held = await running.child.call('clients', null);
        if (held !== open) throw new Error(`${target} holds ${held} connections, expected ${open}`);
        const memory = await running.child.call('memory', { gc: true });
        idle.push({
          connections: open,
          perConnectionKiB: (memory.rss - empty.rss) / open / 1024,
          heapPerConnectionKiB: (memory.heapUsed - empty.heapUsed) / open / 1024,
        });
      }
      const memory = await running.child.call('memory', { gc: false });
      return { ...base, idle, peakRssMiB: memory.peakRss / 1024 / 1024 };
    })
    .catch((error: unknown) => ({ ...base, error: error instanceof Error ? error.message : String(error) }));
}
