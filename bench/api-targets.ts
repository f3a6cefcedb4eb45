// The servers and operations of the api scenario (issue 16): the project's API and three peers, each
// answering the same four requests over the same MongoDB.

/**
 * api: the project's API (createApp + listen), default configuration, request logs at info.
 * api-single: the same API with API_INSERT_GROUP_MAX=1, every create its own insert command as the
 *   peers send them: what the API costs above the driver, with group commit (grouped-inserts.ts) out.
 * hono: the framework's floor, a Hono app that only parses and calls the driver.
 * http: the ceiling, a bare node:http server making the same driver calls.
 * express: the typical alternative, Express 5 with the same zod validation.
 */
export const API_TARGET_NAMES = ['api', 'api-single', 'hono', 'http', 'express'] as const;
export type ApiTargetName = (typeof API_TARGET_NAMES)[number];

/** create: POST; createOnce: POST with a fresh Idempotency-Key each; get: GET one; list: GET a page of 20. */
export const API_OPS = ['create', 'createOnce', 'get', 'list'] as const;
export type ApiOp = (typeof API_OPS)[number];

/** The seed's body, as the issue measured it. */
export const CREATE_BODY = '{"nombre":"iPhone 15","precio":999.99,"talla":"L"}';
