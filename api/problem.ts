import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { requestPath } from './app-env.js';

// RFC 9457 problem details: the one shape every API error takes on the wire. Expected failures are
// thrown as ApiProblem anywhere in a request and turned into a response once, by the app's onError.

/** One invalid field of a request: where it is (`precio`, `query.limit`) and what is wrong. */
export interface InvalidField {
  path: string;
  message: string;
}

/** Options of an ApiProblem beyond its status. */
export interface ProblemOptions {
  /** A URI naming the kind of problem; `about:blank` means "see the status". */
  type?: string;
  title?: string;
  detail?: string;
  /** Listed as `errors` in the body (validation failures). */
  errors?: InvalidField[];
  /** Extra response headers (Allow, WWW-Authenticate). */
  headers?: Record<string, string>;
  cause?: unknown;
}

const TITLES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Prefix of the problem types this API defines (URNs: names, not links to follow). */
export const PROBLEM_TYPE_PREFIX = 'urn:mongo-live-relay:problem:';

/** An expected failure with its HTTP status; thrown by handlers and middleware, rendered by onError. */
export class ApiProblem extends Error {
  readonly status: ContentfulStatusCode;
  readonly options: ProblemOptions;

  constructor(status: ContentfulStatusCode, options: ProblemOptions = {}) {
    super(options.detail ?? options.title ?? TITLES[status] ?? `HTTP ${status}`, { cause: options.cause });
    this.name = 'ApiProblem';
    this.status = status;
    this.options = options;
  }
}

/** The media type of every error body. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Writes `problem` as an application/problem+json response on `c` (keeping headers already set). */
export function problemResponse(c: Context, problem: ApiProblem): Response {
  const { type, title, detail, errors, headers } = problem.options;
  const body: Record<string, unknown> = {
    type: type ?? 'about:blank',
    title: title ?? TITLES[problem.status] ?? `HTTP ${problem.status}`,
    status: problem.status,
  };
  if (detail !== undefined) body.detail = detail;
  body.instance = requestPath(c);
  if (errors !== undefined) body.errors = errors;
  for (const [name, value] of Object.entries(headers ?? {})) c.header(name, value);
  c.header('Content-Type', PROBLEM_CONTENT_TYPE);
  return c.body(JSON.stringify(body), problem.status);
}
