import { describe, expect, it } from 'vitest';
import { CloseCode, closeCodeRetry, shouldReconnect } from '../../contract/close-codes.js';
import { closeCodeOfWsError } from '../../relay/edge/ws-errors.js';

// The close-code table is what a client decides with: every code the relay (or its ws) sends is in
// it, and a code whose retry would fail the same way says stop.

const wsErrors = [
  'WS_ERR_INVALID_UTF8',
  'WS_ERR_TOO_MANY_BUFFERED_PARTS',
  'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
  'WS_ERR_INVALID_OPCODE',
  'WS_ERR_EXPECTED_MASK',
];

describe('close codes', () => {
  it.each(wsErrors)('tells a client to stop after ws closes for %s: the same frame would be refused again', (code) => {
    const status = closeCodeOfWsError(Object.assign(new Error(code), { code }));
    expect(status).toBeDefined();
    expect(closeCodeRetry).toHaveProperty(String(status), 'stop');
    expect(shouldReconnect(status!)).toBe(false);
  });

  it('tells a client to reconnect after a shutdown, a relay error, a slow-client or rate-limit close, and network trouble', () => {
    for (const code of [CloseCode.shutdown, CloseCode.internal, CloseCode.slowClient, CloseCode.rateLimited, 1006, 1012, 1013]) {
      expect(shouldReconnect(code)).toBe(true);
    }
  });

  it('has only codes of the protocol range or the application range, each with a rule', () => {
    for (const code of Object.values(CloseCode)) {
      expect((code >= 1000 && code <= 1015) || (code >= 4000 && code <= 4999)).toBe(true);
      expect(['stop', 'reconnect']).toContain(closeCodeRetry[code]);
    }
  });
});
