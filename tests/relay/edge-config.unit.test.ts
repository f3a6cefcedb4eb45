import { describe, expect, it } from 'vitest';
import { loadRelayConfig } from '../../relay/config.js';

// The relay's environment: defaults, lists, and a clear refusal naming the variable.

describe('relay configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadRelayConfig({})).toMatchObject({
      port: 8765,
      heartbeatMs: 25_000,
      drainMs: 5_000,
      maxBufferedBytes: 1024 * 1024,
      maxPayload: 4096,
    });
  });

  it('reads allowed origins as a comma list and treats empty variables as unset', () => {
    const config = loadRelayConfig({
      RELAY_ALLOWED_ORIGINS: 'https://a.example, http://localhost:3000',
      RELAY_PORT: '',
      RELAY_DRAIN_MS: '',
    });
    expect(config.allowedOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
    expect(config.port).toBe(8765);
    expect(config.drainMs).toBe(5_000);
  });

  it('checks connection tokens the way the API checks write tokens: an audience of its own, exp required, 5 s of clock skew', () => {
    expect(loadRelayConfig({}).tokenRules).toEqual({ audience: 'mongo-live-relay:relay', requireExp: true, clockToleranceSeconds: 5 });
    expect(
      loadRelayConfig({ RELAY_JWT_AUDIENCE: 'feeds', RELAY_JWT_REQUIRE_EXP: '0', RELAY_JWT_CLOCK_TOLERANCE_S: '0' }).tokenRules,
    ).toEqual({
      audience: 'feeds',
      requireExp: false,
      clockToleranceSeconds: 0,
    });
    expect(loadRelayConfig({ RELAY_JWT_SECRET: 'r'.repeat(32) }).jwtSecret).toBe('r'.repeat(32));
  });

  it.each([
    ['RELAY_PORT', 'eighty'],
    ['RELAY_HEARTBEAT_MS', '-5'],
    ['RELAY_MAX_CONNECTIONS', '0'],
    ['RELAY_MAX_PAYLOAD', '1.5'],
    ['LOG_LEVEL', 'loud'],
    ['RELAY_JWT_SECRET', ''],
    // 31 bytes: shorter than the HS256 output, as the API refuses too.
    ['RELAY_JWT_SECRET', 's'.repeat(31)],
    ['RELAY_JWT_SECRET', 'é'.repeat(15)],
  ])('refuses %s=%j with a message naming it', (name, value) => {
    expect(() => loadRelayConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
