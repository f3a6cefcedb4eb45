import { describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '../../api/problem.js';
import { withDeadline } from '../../api/store-deadline.js';

describe('the deadline on store calls', () => {
  it('passes answers and failures through, and answers 503 once the deadline passes', async () => {
    vi.useFakeTimers();
    try {
      let failLate: (error: Error) => void = () => undefined;
      const store = withDeadline(
        {
          name: 'products',
          get: async (id: string) => ({ id }),
          fail: async () => Promise.reject(new Error('duplicate key')),
          hang: () => new Promise<never>((_, reject) => (failLate = reject)),
          now: () => 42,
        },
        100,
      );
      expect(store.name).toBe('products');
      expect(store.now()).toBe(42);
      await expect(store.get('a')).resolves.toEqual({ id: 'a' });
      await expect(store.fail()).rejects.toThrow('duplicate key');
      // The same wrapper each time: the request path does not build one per call.
      expect(store.get).toBe(store.get);

      const late = store.hang();
      const outcome = expect(late).rejects.toSatisfy((error) => error instanceof ApiProblem && error.status === 503);
      await vi.advanceTimersByTimeAsync(100);
      await outcome;
      // The operation failing after the deadline answered is not an unhandled rejection.
      failLate(new Error('socket closed'));
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
