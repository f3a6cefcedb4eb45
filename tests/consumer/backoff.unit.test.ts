import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../client/backoff.js';

// Reconnect delays: full jitter under an exponential ceiling that stops at the cap.

describe('reconnect backoff', () => {
  const options = { baseMs: 500, capMs: 30_000 };

  it('doubles the ceiling with each attempt until the 30 s cap', () => {
    const highest = (attempt: number) => backoffDelay(attempt, { ...options, random: () => 0.999_999 });
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50, 5000].map(highest)).toEqual([499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999, 29_999]);
  });

  it('spreads clients over the whole range from zero, so a dropped crowd does not return at once', () => {
    expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...options, random: () => 0.5 })).toBe(2000);
    const delays = Array.from({ length: 200 }, () => backoffDelay(10, options));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(30_000);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});
