import { serverMessage, type ServerMessage } from '../contract/protocol.js';

// The relay is a separate process reached over the network: its frames are checked against the
// contract's schemas before anything reads them, so a broken or foreign peer gets a notice instead
// of crashing the CLI.

const knownTypes: ReadonlySet<string> = new Set(serverMessage.options.map((option) => option.shape.type.value));

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
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') return { problem: 'no message type' };
  if (!knownTypes.has(type)) return { problem: `unknown message type ${JSON.stringify(type).slice(0, 40)}` };
  const parsed = serverMessage.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { problem: `${type}${where}: ${issue?.message ?? 'malformed'}` };
}

/** Whether parseServerMessage refused the frame. */
export function isMalformed(parsed: ServerMessage | MalformedFrame): parsed is MalformedFrame {
  return 'problem' in parsed;
}
