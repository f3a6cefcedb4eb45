import type { MetricsJson } from '../edge/metrics.js';
import type { Relay, RelayStatus } from '../relay.js';

// The IPC questions a cluster primary asks its workers (see workers.ts) and the worker's side of them.
// Workers share no state; the primary only asks, on demand, what each holds right now, so the whole's
// /readyz and /metrics are as fresh as a single process's.

/** A question from the primary. */
export interface WorkerQuestion {
  type: 'relay:ask';
  id: number;
  what: 'status' | 'metrics';
}

/** A worker's answer. */
export interface WorkerAnswer {
  type: 'relay:answer';
  id: number;
  status?: RelayStatus;
  metrics?: MetricsJson;
  error?: string;
}

export function isWorkerQuestion(message: unknown): message is WorkerQuestion {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'relay:ask';
}

export function isWorkerAnswer(message: unknown): message is WorkerAnswer {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'relay:answer';
}

/** In a worker: answers the primary's questions about `relay` over the IPC channel. */
export function answerPrimary(relay: Relay, send: (message: WorkerAnswer) => void = (message) => process.send?.(message)): () => void {
  const onMessage = (message: unknown) => {
    if (!isWorkerQuestion(message)) return;
    if (message.what === 'status') return send({ type: 'relay:answer', id: message.id, status: relay.status() });
    relay.metrics.json().then(
      (metrics) => send({ type: 'relay:answer', id: message.id, metrics }),
      (error: unknown) => send({ type: 'relay:answer', id: message.id, error: error instanceof Error ? error.message : String(error) }),
    );
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}
