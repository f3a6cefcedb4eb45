// Every request gets an id, echoed as X-Request-Id and written on its log lines, so a client's report
// can be matched to the server's log. A caller (a proxy, another service) may bring its own id; it is
// kept when it is short and plain, else replaced (the rule of Hono's request-id middleware).

const MAX_LENGTH = 255;
const PLAIN = /^[\w\-=]+$/;

/** The id of a request that came with X-Request-Id `given` (or none). */
export function requestIdOf(given: string | undefined): string {
  return given && given.length <= MAX_LENGTH && PLAIN.test(given) ? given : crypto.randomUUID();
}
