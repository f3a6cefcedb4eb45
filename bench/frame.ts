import * as ws from 'ws';

// ws builds frames with Sender.frame, which it exports publicly but @types/ws does not declare.
// This is the one place that reaches for it, typed to what the benchmark uses. It is read from the
// module namespace: under ESM (wrapper.mjs) the default export, WebSocket, has no `Sender` property.

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

/** One complete unmasked text frame holding `text` (server to client). */
export function textFrame(text: string): Buffer {
  const parts = Sender.frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false });
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
