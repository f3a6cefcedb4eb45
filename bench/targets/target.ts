import type { EventMessage } from '../../contract/protocol.js';
import type { Dialect } from '../ws-counter.js';

// What the benchmark needs from each server it measures: where to connect, how to hand it events, and
// how many connections it holds. Every target gets the same event objects in the same batches.

/** The names of the servers the benchmark can measure. */
export const TARGET_NAMES = ['relay', 'socketio', 'ws', 'ceiling'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** Settings a target is started with. */
export interface TargetOptions {
  /** Connections it must accept (the relay's connection limit is raised to fit). */
  maxClients: number;
  /** The relay's bound on a client's unsent bytes (its slow-client check); default: the relay's. */
  maxBufferedBytes?: number;
}

/** A listening server under test. */
export interface Target {
  port: number;
  /** WebSocket path (with query) a client requests. */
  path: string;
  dialect: Dialect;
  /** Delivers events that entered together (a change-stream batch) to every connected client. */
  emit(batch: EventMessage[]): void;
  /** Connections currently open on the server side. */
  clientCount(): number;
  close(): Promise<void>;
}
