import { Hono } from 'hono';
import type { Db } from 'mongodb';
import type { Logger } from '../common/logger.js';
import type { AppEnv } from './app-env.js';
import { API_AUDIENCE, type TokenPolicy } from '../common/tokens.js';
import { requireBearer } from './auth.js';
import { corsPolicy, type CorsOptions } from './cors.js';
import { docsRoutes } from './docs-routes.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import { healthRoutes, type ReadinessCheck } from './health-routes.js';
import { livePageRoutes } from './live-page.js';
import { createApiMetrics, type ApiMetrics } from './metrics.js';
import { metricsRoutes, type MetricsAccess } from './metrics-routes.js';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency-store.js';
import { MAX_GROUP_DOCUMENTS } from './grouped-inserts.js';
import { createProductRepository, type ProductRepository } from './product-repository.js';
import { productRoutes } from './product-routes.js';
import { observeRequests } from './request-observer.js';
import { withDeadline } from './store-deadline.js';

/** Collaborators of the API: a database (or the stores built over one), a logger, and optional clock and secret. */
export type AppDeps = {
  logger: Logger;
  /** Source of createdAt/updatedAt; defaults to the system clock. */
  clock?: () => Date;
  /** When set, writes need `Authorization: Bearer <HS256 JWT signed with it, for the API's audience>`. */
  jwtSecret?: string;
  /** Audience, exp requirement and clock tolerance of write tokens (defaults: API_AUDIENCE, exp required, 5 s). */
  tokenRules?: Omit<TokenPolicy, 'secret'>;
  /** PUT, PATCH and DELETE without If-Match answer 428 (default: allowed). */
  requireIfMatch?: boolean;
  /** Where request and MongoDB error metrics go (GET /metrics); a fresh set by default. */
  metrics?: ApiMetrics;
  /** When set, pages on these origins may call the API (CORS with preflight). */
  cors?: CorsOptions;
  /** Serve the live page at /live/ (see live-page.ts). */
  livePage?: boolean;
  /** Who may read GET /metrics here (metrics-routes.ts); default 'open', as for tests and embedding. */
  metricsAccess?: MetricsAccess;
} & (
  | {
      db: Db;
      ready?: ReadinessCheck;
      /** Every MongoDB call of a request answers 503 past this (see store-deadline.ts); unbounded when absent. */
      operationTimeoutMs?: number;
      /** Most creates sent in one insert command (grouped-inserts.ts); default MAX_GROUP_DOCUMENTS, 1: each its own. */
      insertGroupMax?: number;
    }
  | { repository: ProductRepository; idempotency: IdempotencyStore; ready: ReadinessCheck }
);

/** Builds the API as a Hono app; it opens nothing, so tests drive it with `app.request()`. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { logger, clock = () => new Date(), jwtSecret, metrics = createApiMetrics(), cors, livePage = false } = deps;
  const stores =
    'db' in deps
      ? {
          repository: bounded(
            createProductRepository(deps.db, {
              maxDocuments: deps.insertGroupMax ?? MAX_GROUP_DOCUMENTS,
              onCommand: (documents) => metrics.insertCommand(documents),
            }),
            deps.operationTimeoutMs,
          ),
          idempotency: bounded(
            createIdempotencyStore(deps.db, { maxDocuments: deps.insertGroupMax ?? MAX_GROUP_DOCUMENTS }),
            deps.operationTimeoutMs,
          ),
          ready: deps.ready ?? pingPrimary(deps.db),
        }
      : deps;

  // Non-strict: `/api/product/` (the seed's curl) and `/api/product` are the same route.
  const app = new Hono<AppEnv>({ strict: false });
  app.use(observeRequests(logger, metrics));
  if (cors) app.use(corsPolicy(cors));
  app.route('/', healthRoutes(stores.ready));
  app.route('/', metricsRoutes(metrics, deps.metricsAccess ?? 'open'));
  if (livePage) app.route('/', livePageRoutes());
  app.route(
    '/',
    productRoutes({
      repository: stores.repository,
      idempotency: stores.idempotency,
      clock,
      writeGuard: jwtSecret === undefined ? undefined : requireBearer({ audience: API_AUDIENCE, ...deps.tokenRules, secret: jwtSecret }),
      requireIfMatch: deps.requireIfMatch ?? false,
    }),
  );
  app.route('/', docsRoutes());
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(logger, { onMongoError: (kind) => metrics.mongoError(kind) }));
  return app;
}

function bounded<T extends object>(store: T, ms: number | undefined): T {
  return ms === undefined ? store : withDeadline(store, ms);
}

/**
 * The operators' app for API_METRICS_PORT: /metrics open, and /healthz and /readyz as on the public
 * port, so that a scraper and a probe need nothing from the port clients use.
 */
export function createOperatorApp({
  metrics,
  ready,
  logger,
}: {
  metrics: ApiMetrics;
  ready: ReadinessCheck;
  logger: Logger;
}): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  // Scrapes and probes here are counted and logged (at debug) like those on the public port.
  app.use(observeRequests(logger, metrics));
  app.route('/', healthRoutes(ready));
  app.route('/', metricsRoutes(metrics, 'open'));
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(logger));
  return app;
}

/** Readiness of a real database: the primary answers a ping (commands go to the primary by default). */
export function pingPrimary(db: Db): ReadinessCheck {
  return async () => (await db.command({ ping: 1 })).ok === 1;
}
