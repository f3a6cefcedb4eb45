// Which close code ws sent when it closed a connection itself, for a frame it would not accept. ws
// emits an `error` whose `code` (documented in ws's doc/ws.md, "WS_ERR_*") names the fault, and closes
// with the status it keeps on a private symbol; this table reads the code instead (checked against
// ws 8.23 lib/receiver.js). Every other WS_ERR_* code from the receiver is a protocol error (1002).

const statusOf: Record<string, number> = {
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
};

/** The close code ws sent along with `error`; undefined for errors that are not about a frame (socket resets, …). */
export function closeCodeOfWsError(error: Error & { code?: unknown }): number | undefined {
  if (typeof error.code !== 'string' || !error.code.startsWith('WS_ERR_')) return undefined;
  return statusOf[error.code] ?? 1002;
}
