import { z } from 'zod';
import { product, productInput, productPatch } from '../contract/product.js';
import { MAX_BODY_BYTES } from './json-body.js';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_PREFIX } from './problem.js';
import { listQuery } from './product-routes.js';

// The OpenAPI 3.1 document of the API (GET /openapi.json), built from the same zod schemas the
// routes validate with (z.toJSONSchema: JSON Schema 2020-12, the dialect of OpenAPI 3.1), so a rule
// changed in contract/product.ts changes the document too. Rules zod cannot express in JSON Schema
// (precio's two decimals) are said in descriptions. tests/api/openapi.test.ts checks it against the
// OpenAPI schema and against what the app really answers.

type Json = Record<string, unknown>;

/** The JSON Schema of a zod schema, as a component (no `$schema`: the document sets the dialect). */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io }) as Json;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string, headers: Json = {}) => ({
  description,
  headers,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } },
});
const json = (schema: Json) => ({ 'application/json': { schema } });

// Answers every product route can give, whatever it does.
const common = {
  '500': { $ref: '#/components/responses/InternalError' },
  '503': { $ref: '#/components/responses/DatabaseUnavailable' },
};
const writeErrors = {
  '400': { $ref: '#/components/responses/InvalidRequest' },
  '401': { $ref: '#/components/responses/Unauthorized' },
  '413': problem(`The body is larger than ${MAX_BODY_BYTES} bytes.`),
  '415': problem('The body is not JSON (Content-Type: application/json, UTF-8, not compressed).'),
};
const notFound = { '404': problem('No product has this id (or the id is not 24 hex digits).') };
const secured = { security: [{ bearer: [] }] };

const listBody = z.object({
  items: z.array(product),
  next: z.string().nullable().describe('Pass as `after` to get the next page; null on the last page.'),
  position: z.string().describe('`time:<t>.<i>`: connect to the relay with `?since=` this to receive every change after this page.'),
});

/** The version of the HTTP API this document describes (not the package's). */
export const API_VERSION = '1.0.0';

/** Builds the document. */
export function openApiDocument(): Json {
  const query = schemaOf(listQuery, 'input') as { properties: Record<string, Json> };
  const idParameter = {
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' },
    description: 'The product id.',
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'mongo-live-relay product API',
      version: API_VERSION,
      description:
        'Products (nombre, precio, talla) written to MongoDB with write concern majority; every change is pushed to WebSocket clients by the relay. ' +
        'Every error is application/problem+json (RFC 9457). Methods a path does not support answer 405 with an Allow header. ' +
        'Writes need a bearer token only when the API runs with API_JWT_SECRET.',
    },
    paths: {
      '/api/product/': {
        get: {
          operationId: 'listProducts',
          summary: 'One page of products, oldest first, with the stream position of the snapshot',
          parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
          responses: {
            '200': {
              description: 'A page of products.',
              headers: { 'Stream-Position': { description: 'Same as `position` in the body.', schema: { type: 'string' } } },
              content: json(ref('ProductList')),
            },
            '400': { $ref: '#/components/responses/InvalidRequest' },
            ...common,
          },
        },
        post: {
          operationId: 'createProduct',
          summary: 'Creates a product',
          ...secured,
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
              description: 'Retrying with the same key and body answers the first product again (Idempotent-Replayed: true).',
            },
          ],
          requestBody: { required: true, content: json(ref('ProductInput')) },
          responses: {
            '201': {
              description: 'Created (or replayed for a repeated Idempotency-Key).',
              headers: {
                Location: { schema: { type: 'string' } },
                'Idempotent-Replayed': {
                  schema: { type: 'string', enum: ['true'] },
                  description: 'Present when this answers an earlier request with the same key.',
                },
              },
              content: json(ref('Product')),
            },
            ...writeErrors,
            '422': problem('The Idempotency-Key was first used with another body.'),
            ...common,
          },
        },
      },
      '/api/product/{id}': {
        parameters: [idParameter],
        get: {
          operationId: 'getProduct',
          summary: 'One product',
          responses: { '200': { description: 'The product.', content: json(ref('Product')) }, ...notFound, ...common },
        },
        put: {
          operationId: 'replaceProduct',
          summary: 'Replaces every field of a product',
          ...secured,
          requestBody: { required: true, content: json(ref('ProductInput')) },
          responses: {
            '200': { description: 'The product as stored.', content: json(ref('Product')) },
            ...writeErrors,
            ...notFound,
            ...common,
          },
        },
        patch: {
          operationId: 'updateProduct',
          summary: 'Changes some fields of a product',
          ...secured,
          requestBody: { required: true, content: json(ref('ProductPatch')) },
          responses: {
            '200': { description: 'The product as stored.', content: json(ref('Product')) },
            ...writeErrors,
            ...notFound,
            ...common,
          },
        },
        delete: {
          operationId: 'deleteProduct',
          summary: 'Deletes a product',
          ...secured,
          responses: { '204': { description: 'Deleted.' }, '401': { $ref: '#/components/responses/Unauthorized' }, ...notFound, ...common },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness: the process serves',
          responses: { '200': { description: 'Up.', content: json(ref('Status')) } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          summary: 'Readiness: the MongoDB primary answers',
          responses: {
            '200': { description: 'Ready.', content: json(ref('Status')) },
            '503': problem('MongoDB is not reachable.', { 'Retry-After': { schema: { type: 'string' } } }),
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics (text exposition format 0.0.4)',
          description:
            'For operators: open on API_METRICS_PORT; on this port only with API_METRICS_TOKEN as a bearer token, and closed (404) without one.',
          responses: {
            '200': { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
            '401': problem('API_METRICS_TOKEN is set and the request does not carry it.', {
              'WWW-Authenticate': { schema: { type: 'string' } },
            }),
            '404': problem('Closed on this port (no API_METRICS_TOKEN).'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1.', content: json({ type: 'object' }) } },
        },
      },
      '/live/': {
        get: {
          operationId: 'livePage',
          summary: 'The live page (API_LIVE_PAGE, on by default)',
          responses: { '200': { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
      },
      '/live/page.js': {
        get: {
          operationId: 'livePageScript',
          summary: "The live page's script (the client library and the page, bundled)",
          responses: { '200': { description: 'JavaScript.', content: { 'text/javascript': { schema: { type: 'string' } } } } },
        },
      },
      '/docs': {
        get: {
          operationId: 'docs',
          summary: 'This document as a page (Swagger UI, served by the API)',
          responses: { '200': { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
      },
    },
    components: {
      schemas: {
        ProductInput: {
          ...schemaOf(productInput, 'input'),
          description: 'All fields; strings are trimmed; precio has at most 2 decimals. Unknown fields are refused.',
        },
        ProductPatch: {
          ...schemaOf(productPatch, 'input'),
          minProperties: 1,
          description: 'Some fields (at least one); same rules as ProductInput.',
        },
        Product: schemaOf(product, 'output'),
        ProductList: schemaOf(listBody, 'output'),
        Status: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
        Problem: {
          type: 'object',
          description: `RFC 9457 problem details. Types this API defines start with ${PROBLEM_TYPE_PREFIX} (validation-failed, malformed-json, idempotency-key-reused); others are about:blank.`,
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { path: { type: 'string' }, message: { type: 'string' } },
                required: ['path', 'message'],
              },
            },
          },
          required: ['type', 'title', 'status'],
        },
      },
      responses: {
        InvalidRequest: problem('Invalid fields (listed in `errors`), or a body that is not JSON.'),
        Unauthorized: problem('A write without a valid bearer token (only when API_JWT_SECRET is set).', {
          'WWW-Authenticate': { schema: { type: 'string' } },
        }),
        DatabaseUnavailable: problem('MongoDB is unreachable or has no primary just now; retry.', {
          'Retry-After': { schema: { type: 'string' } },
        }),
        InternalError: problem('A bug; logged with the request id, nothing about it is said.'),
      },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (HS256)' } },
    },
  };
}
