import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { ObjectId } from 'mongodb';
import { z } from 'zod';
import { requestPath, type AppEnv } from './app-env.js';
import { limitBodySize } from './body-size.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { requestHeader, setResponseHeader } from './node-headers.js';
import { createProduct, createProductOnce } from './idempotent-create.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { invalidField, MAX_BODY_BYTES, readJsonBody, validate } from './json-body.js';
import { decodeListCursor, encodeListCursor } from './list-cursor.js';
import { ApiProblem } from './problem.js';
import { productFromDocument, type ProductDocument } from '../contract/product-document.js';
import { entityTag, expectedDocument, preconditionFailed } from './entity-tag.js';
import type { ProductRepository } from './product-repository.js';
import { productInput, productPatch, type Product } from '../contract/product.js';
import { formatStreamPosition } from '../contract/stream-position.js';

/** The body of GET /api/product/: a page, the cursor of the next one, and the snapshot's stream position. */
export interface ProductListBody {
  items: Product[];
  /** Pass as `after` to get the next page; null on the last page. */
  next: string | null;
  /** `time:<t>.<i>`: subscribe to the relay with `?since=` this to get every change after this page. */
  position: string;
}

/** Collaborators of the product routes. */
export interface ProductRouteDeps {
  repository: ProductRepository;
  idempotency: IdempotencyStore;
  clock: () => Date;
  /** Guards every write (POST, PUT, PATCH, DELETE); reads stay open. */
  writeGuard?: MiddlewareHandler<AppEnv>;
  /** PUT, PATCH and DELETE without If-Match answer 428 (default: allowed, last write wins). */
  requireIfMatch?: boolean;
}

/** The query of GET /api/product/ (also the source of its OpenAPI parameters). */
export const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    after: z.string().optional(),
  })
  .strict();

const idempotencyKey = /^[\x21-\x7e]{1,255}$/;
// The app is built non-strict, so these also answer with a trailing slash (`/api/product/`).
const collectionPath = '/api/product';
const itemPath = '/api/product/:id';

/** The product CRUD routes under /api/product. */
export function productRoutes({ repository, idempotency, clock, writeGuard, requireIfMatch = false }: ProductRouteDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const limitBody = limitBodySize({ maxBytes: MAX_BODY_BYTES });
  const guard: MiddlewareHandler<AppEnv> = writeGuard ?? ((_c, next) => next());
  // What a write with a body passes first: the guard (when writes need a token), then the size limit;
  // one middleware rather than two, since every handler Hono runs for a request costs it a dispatch.
  const bodyWrite: MiddlewareHandler<AppEnv> = writeGuard
    ? (c, next) =>
        writeGuard(c, async () => {
          await limitBody(c, next);
        })
    : limitBody;

  routes.get(collectionPath, list);

  routes.post(collectionPath, bodyWrite, async (c) => {
    const key = requestHeader(c, 'idempotency-key');
    if (key !== undefined && !idempotencyKey.test(key)) {
      throw invalidField('header.Idempotency-Key', 'must be 1 to 255 visible ASCII characters');
    }
    const input = await readJsonBody(c, productInput);
    const now = clock();
    const { product, replayed } =
      key === undefined
        ? { product: await createProduct(repository, input, now), replayed: false }
        : await createProductOnce(repository, idempotency, key, input, now);
    setResponseHeader(c, 'Location', `/api/product/${product.id}`);
    setResponseHeader(c, 'ETag', entityTag(product));
    if (replayed) setResponseHeader(c, 'Idempotent-Replayed', 'true');
    return c.json(product, 201);
  });

  routes.all(collectionPath, methodNotAllowed('GET, POST'));

  routes.get(itemPath, async (c) => {
    const doc = await repository.get(productId(c));
    if (!doc) throw notFound(c);
    return tagged(c, doc);
  });

  // Writes to one product honour If-Match (412 when it changed since it was read); without it they
  // stay unconditional (last write wins) unless requireIfMatch, which answers 428.
  const expected = (c: Context<AppEnv>, id: ObjectId) =>
    expectedDocument(requestHeader(c, 'if-match'), () => repository.get(id), { required: requireIfMatch });

  routes.put(itemPath, bodyWrite, async (c) => {
    const id = productId(c);
    const input = await readJsonBody(c, productInput);
    const current = await expected(c, id);
    const doc = await repository.replace(id, input, clock(), current);
    if (!doc) throw current ? preconditionFailed() : notFound(c);
    return tagged(c, doc);
  });

  routes.patch(itemPath, bodyWrite, async (c) => {
    const id = productId(c);
    const patch = await readJsonBody(c, productPatch);
    const current = await expected(c, id);
    const doc = await repository.patch(id, patch, clock(), current);
    if (!doc) throw current ? preconditionFailed() : notFound(c);
    return tagged(c, doc);
  });

  routes.delete(itemPath, guard, async (c) => {
    const id = productId(c);
    const current = await expected(c, id);
    if (!(await repository.remove(id, current))) throw current ? preconditionFailed() : notFound(c);
    return c.body(null, 204);
  });

  routes.all(itemPath, methodNotAllowed('GET, PUT, PATCH, DELETE'));

  async function list(c: Context<AppEnv>): Promise<Response> {
    const query = validate(listQuery, c.req.query(), 'query');
    const after = query.after === undefined ? undefined : decodeListCursor(query.after);
    if (after === null) throw invalidField('query.after', 'not a cursor this API returned as `next`');
    const page = await repository.list({ limit: query.limit, after });
    const last = page.documents.at(-1);
    const position = formatStreamPosition(page.readAt);
    const body: ProductListBody = {
      items: page.documents.map((doc) => productFromDocument(doc)),
      next: page.hasMore && last ? encodeListCursor({ createdAt: last.createdAt, id: last._id }) : null,
      position,
    };
    setResponseHeader(c, 'Stream-Position', position);
    return c.json(body);
  }

  return routes;
}

/** The product as JSON with its ETag. */
function tagged(c: Context<AppEnv>, doc: ProductDocument): Response {
  const product = productFromDocument(doc);
  setResponseHeader(c, 'ETag', entityTag(product));
  return c.json(product);
}

/** The :id parameter as an ObjectId; anything that is not 24 hex digits cannot name a product (404). */
function productId(c: Context<AppEnv>): ObjectId {
  const id = c.req.param('id') ?? '';
  if (!/^[0-9a-fA-F]{24}$/.test(id)) throw notFound(c);
  return new ObjectId(id);
}

function notFound(c: Context<AppEnv>): ApiProblem {
  return new ApiProblem(404, { detail: `No product at ${requestPath(c).slice(0, 100)}` });
}
