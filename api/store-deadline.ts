import { ApiProblem } from './problem.js';

// A bound on every call a request makes to MongoDB. The driver bounds server selection and idle
// sockets, but not an operation as a whole (driver 7.x ignores `timeoutMS`): against a stalled
// MongoDB (process stopped, sockets open) a write would wait for a socket timeout, then a retry, then
// server selection again — 40–60 s. Past `ms`, the request answers 503 with Retry-After instead; the
// operation itself goes on in the background, bounded by the driver's own timeouts. Its outcome is
// unknown to the client, as after any network error: a POST with an Idempotency-Key is safe to retry.

/** Wraps every method of `store` that returns a promise so that it rejects with a 503 after `ms`. */
export function withDeadline<T extends object>(store: T, ms: number): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = Reflect.apply(value, target, args);
        return result instanceof Promise ? racing(result, ms) : result;
      };
    },
  });
}

function racing<R>(operation: Promise<R>, ms: number): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable(ms)), ms);
  });
  // The loser must not become an unhandled rejection once the request has been answered.
  operation.catch(() => undefined);
  return Promise.race([operation, late]).finally(() => clearTimeout(timer));
}

function unavailable(ms: number): ApiProblem {
  return new ApiProblem(503, {
    detail: `The database did not answer within ${ms} ms; retry shortly.`,
    headers: { 'Retry-After': '1' },
  });
}
