import { describe, expect, it } from 'vitest';
import { loadRelayConfig } from '../../relay/config.js';

// The relay's environment: defaults, lists, and a clear refusal naming the variable.

describe('relay configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadRelayConfig({})).toMatchObject({ port: 8765, heartbeatMs: 25_000, drainMs: 5_000, maxBufferedBytes: 1024 * 1024, maxPayload: 4096 });
  });

  it('reads allowed origins as a comma list and treats empty variables as unset', () => {
    const config = loadRelayConfig({ RELAY_ALLOWED_ORIGINS: 'https://a.example, http://localhost:3000', RELAY_PORT: '', RELAY_DRAIN_MS: '' });
    expect(config.allowedOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
    expect(config.port).toBe(8765);
    expect(config.drainMs).toBe(5_000);
  });

  it.each([
    ['RELAY_PORT', 'eighty'],
    ['RELAY_HEARTBEAT_MS', '-5'],
    ['RELAY_MAX_CONNECTIONS', '0'],
    ['RELAY_MAX_PAYLOAD', '1.5'],
    ['LOG_LEVEL', 'loud'],
    ['RELAY_JWT_SECRET', ''],
  ])('refuses %s=%j with a message naming it', (name, value) => {
    expect(() => loadRelayConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
