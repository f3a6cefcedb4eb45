import { ApiProblem } from './problem.js';

// A bound on every call a request makes to MongoDB. The driver bounds server selection and idle
// sockets, but not an operation as a whole (driver 7.x ignores `timeoutMS`): against a stalled
// MongoDB (process stopped, sockets open) a write would wait for a socket timeout, then a retry, then
// server selection again — 40–60 s. Past `ms`, the request answers 503 with Retry-After instead; the
// operation itself goes on in the background, bounded by the driver's own timeouts. Its outcome is
// unknown to the client, as after any network error: a POST with an Idempotency-Key is safe to retry.

/** Wraps every method of `store` that returns a promise so that it rejects with a 503 after `ms`. */
export function withDeadline<T extends object>(store: T, ms: number): T {
  // One wrapper per method, made on first use: the request path then pays the timer and one promise.
  const wrappers = new Map<PropertyKey, { of: unknown; wrapper: (...args: unknown[]) => unknown }>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const known = wrappers.get(property);
      if (known?.of === value) return known.wrapper;
      const wrapper = (...args: unknown[]) => {
        const result: unknown = Reflect.apply(value, target, args);
        return result instanceof Promise ? racing(result, ms) : result;
      };
      wrappers.set(property, { of: value, wrapper });
      return wrapper;
    },
  });
}

function racing<R>(operation: Promise<R>, ms: number): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => reject(unavailable(ms)), ms);
    // Once the deadline has answered, the operation's own outcome settles nothing and, handled here,
    // never becomes an unhandled rejection.
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function unavailable(ms: number): ApiProblem {
  return new ApiProblem(503, {
    detail: `The database did not answer within ${ms} ms; retry shortly.`,
    headers: { 'Retry-After': '1' },
  });
}
