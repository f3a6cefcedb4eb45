import { CloseCode, shouldReconnect } from '../contract/close-codes.js';
import type { ConnectionOutcome } from './connection.js';
import { printable } from './printable.js';

// The relay's close-code table (contract/close-codes.ts) applied to how a connection ended, plus the
// HTTP answers an upgrade can get before any close code exists. Says what happened in one phrase.

const codeNames = new Map<number, string>(Object.entries(CloseCode).map(([name, code]) => [code, name]));

/** Whether an ended connection is worth retrying, and how to say what happened. */
export function judgeOutcome(outcome: ConnectionOutcome): { stop: boolean; message: string } {
  if (outcome.httpStatus !== undefined) {
    const status = outcome.httpStatus;
    const body = outcome.httpBody ? `: ${printable(outcome.httpBody)}` : '';
    // 4xx means this request will keep failing (token, origin, path) except for the two that mean
    // "later": 408 and 429. 5xx (503 at the connection limit or while not ready) is worth retrying.
    const retry = status >= 500 || status === 408 || status === 429;
    const what =
      status === 401 ? 'rejected the access token' : status === 403 ? 'refused the connection (forbidden)' : 'refused the upgrade';
    return { stop: !retry, message: `relay ${what}: HTTP ${status}${body}${retry ? '' : '; not retrying'}` };
  }
  if (outcome.silentForMs !== undefined) {
    const what = outcome.welcomed ? 'no message or ping from the relay' : 'no welcome from the relay';
    return { stop: false, message: `${what} for ${outcome.silentForMs} ms: connection considered dead` };
  }
  const name = codeNames.get(outcome.code);
  const reason = outcome.reason ? `: ${printable(outcome.reason)}` : '';
  if (!shouldReconnect(outcome.code)) {
    return { stop: true, message: `relay closed the connection with ${outcome.code} (${name ?? 'no retry'})${reason}; not retrying` };
  }
  if (outcome.code === 1006) return { stop: false, message: `connection lost (${printable(outcome.error ?? 'no close frame')})` };
  return { stop: false, message: `relay closed the connection with ${outcome.code}${name ? ` (${name})` : ''}${reason}` };
}
