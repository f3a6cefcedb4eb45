import type { RequestIdVariables } from 'hono/request-id';

/** The Hono environment of the API: what middleware puts on the context for later handlers. */
export interface AppEnv {
  Variables: RequestIdVariables;
}
