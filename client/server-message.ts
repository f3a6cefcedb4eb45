import { OPERATIONS, type ServerMessage } from '../relay/protocol.js';

// The relay is a separate process reached over the network: its frames are checked for the shape
// the library relies on before anything reads them, so a broken or foreign peer gets a notice
// instead of crashing the client. The types themselves come from relay/protocol.ts.

const operations: ReadonlySet<string> = new Set(OPERATIONS);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a frame is when it cannot be used, in words for a notice. */
export interface MalformedFrame {
  problem: string;
}

/** Parses one text frame from the relay; a MalformedFrame says why it is not a usable message. */
export function parseServerMessage(text: string): ServerMessage | MalformedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  if (!isRecord(value) || typeof value.type !== 'string') return { problem: 'no message type' };
  switch (value.type) {
    case 'welcome':
      if (typeof value.relayId !== 'string') return { problem: 'welcome without relayId' };
      if (typeof value.heartbeatMs !== 'number' || !(value.heartbeatMs > 0)) {
        return { problem: 'welcome without a positive heartbeatMs' };
      }
      return value as unknown as ServerMessage;
    case 'event':
      if (typeof value.id !== 'string' || value.id === '') return { problem: 'event without id' };
      if (typeof value.op !== 'string' || !operations.has(value.op)) return { problem: `event with unknown op` };
      if (value.product !== null && !isRecord(value.product)) return { problem: 'event with a malformed product' };
      return value as unknown as ServerMessage;
    case 'reset':
    case 'pong':
      return value as unknown as ServerMessage;
    default:
      return { problem: `unknown message type ${JSON.stringify(value.type).slice(0, 40)}` };
  }
}

/** Whether parseServerMessage refused the frame. */
export function isMalformed(parsed: ServerMessage | MalformedFrame): parsed is MalformedFrame {
  return 'problem' in parsed;
}
