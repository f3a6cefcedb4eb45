import type { Target, TargetName, TargetOptions } from './target.js';

/**
 * Starts the named target on 127.0.0.1 with a random port. Each target's modules load only in its own
 * process, so no target's memory includes another's libraries.
 */
export async function startTarget(name: TargetName, options: TargetOptions): Promise<Target> {
  switch (name) {
    case 'relay':
      return (await import('./relay-target.js')).startRelayTarget(options);
    case 'socketio':
      return (await import('./socketio-target.js')).startSocketIoTarget();
    case 'ws':
      return (await import('./raw-ws-target.js')).startRawWsTarget('perDelivery');
    case 'ceiling':
      return (await import('./raw-ws-target.js')).startRawWsTarget('coalesced');
    default:
      throw new Error(`unknown target ${String(name)}`);
  }
}
