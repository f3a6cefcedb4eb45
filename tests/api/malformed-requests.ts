// A table of malformed API requests and the status each must get, with writes open (no
// API_JWT_SECRET). Every row is expressible with fetch(), so it can be replayed over a real socket as
// well as through app.request(). Every answer is application/problem+json and none is a 5xx.
// Used by tests/api/malformed-requests.int.test.ts and by the cross-service malformed-input run.

/** One malformed request and its documented answer. */
export interface MalformedRequest {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** Path and query, relative to the API's base URL. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  status: 400 | 404 | 405 | 413 | 415;
}

/** An id that is well-formed but names no product (its ObjectId time is 1970). */
export const UNKNOWN_PRODUCT_ID = '0123456789abcdef01234567';

const json = { 'content-type': 'application/json' };
const valid = { nombre: 'iPhone 15', precio: 999.99, talla: 'L' };
const withField = (extra: Record<string, unknown>) => JSON.stringify({ ...valid, ...extra });
const without = (field: keyof typeof valid) => JSON.stringify({ ...valid, [field]: undefined });
const item = `/api/product/${UNKNOWN_PRODUCT_ID}`;

const post = (
  name: string,
  body: string | Uint8Array<ArrayBuffer>,
  status: MalformedRequest['status'],
  headers: Record<string, string> = json,
): MalformedRequest => ({
  name: `POST ${name}`,
  method: 'POST',
  path: '/api/product/',
  headers,
  body,
  status,
});

const bodyRows: MalformedRequest[] = [
  post('without nombre', without('nombre'), 400),
  post('without precio', without('precio'), 400),
  post('without talla', without('talla'), 400),
  post('empty object', '{}', 400),
  post('empty nombre', withField({ nombre: '' }), 400),
  post('blank nombre', withField({ nombre: '   ' }), 400),
  post('nombre of 201 chars', withField({ nombre: 'n'.repeat(201) }), 400),
  post('numeric nombre', withField({ nombre: 15 }), 400),
  post('null nombre', withField({ nombre: null }), 400),
  post('array nombre', withField({ nombre: ['iPhone'] }), 400),
  post('operator object as nombre', withField({ nombre: { $gt: '' } }), 400),
  post('string precio', withField({ precio: '999.99' }), 400),
  post('negative precio', withField({ precio: -1 }), 400),
  post('precio with 3 decimals', withField({ precio: 1.001 }), 400),
  post('precio that is not exactly 2 decimals', '{"nombre":"a","precio":0.30000000000000004,"talla":"L"}', 400),
  post('null precio', withField({ precio: null }), 400),
  post('boolean precio', withField({ precio: true }), 400),
  post('precio overflowing to Infinity', '{"nombre":"a","precio":1e400,"talla":"L"}', 400),
  post('tiny negative precio', withField({ precio: -0.001 }), 400),
  post('extended-JSON precio', withField({ precio: { $numberDecimal: '1.00' } }), 400),
  post('empty talla', withField({ talla: '' }), 400),
  post('talla of 17 chars', withField({ talla: 't'.repeat(17) }), 400),
  post('numeric talla', withField({ talla: 42 }), 400),
  post('blank talla', withField({ talla: ' \t ' }), 400),
  post('unknown field', withField({ color: 'red' }), 400),
  post('$set key', withField({ $set: { precio: 0 } }), 400),
  post('__proto__ key', '{"nombre":"a","precio":1,"talla":"L","__proto__":{"admin":true}}', 400),
  post('constructor key', withField({ constructor: { prototype: {} } }), 400),
  post('_id field', withField({ _id: UNKNOWN_PRODUCT_ID }), 400),
  post('id field', withField({ id: UNKNOWN_PRODUCT_ID }), 400),
  post('createdAt field', withField({ createdAt: '2020-01-01T00:00:00.000Z' }), 400),
  post('dotted key', withField({ 'nombre.x': 'a' }), 400),
  post('array body', JSON.stringify([valid]), 400),
  post('null body', 'null', 400),
  post('string body', '"iPhone 15"', 400),
  post('number body', '1', 400),
  post('boolean body', 'true', 400),
  post('deeply nested arrays', `${'['.repeat(3000)}${']'.repeat(3000)}`, 400),
  post('every field wrong', '{"nombre":"","precio":-1,"talla":"","x":1}', 400),
];

const malformedJsonRows: MalformedRequest[] = [
  post('truncated JSON', '{"nombre": "iPhone 15", "precio": 999.99', 400),
  post('empty body', '', 400),
  post('trailing comma', '{"nombre":"a","precio":1,"talla":"L",}', 400),
  post('single-quoted JSON', "{'nombre':'a','precio':1,'talla':'L'}", 400),
  post('NaN literal', '{"nombre":"a","precio":NaN,"talla":"L"}', 400),
  post('JSON with a comment', '{"nombre":"a", /* c */ "precio":1,"talla":"L"}', 400),
  post('invalid UTF-8 bytes', new Uint8Array([0x7b, 0x22, 0x6e, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 400),
  post('two JSON values', '{} {}', 400),
  post('unterminated string', '{"nombre":"a', 400),
  post('form-encoded body labelled JSON', 'nombre=a&precio=1&talla=L', 400),
  post('unterminated escape', '{"nombre":"\\ud800', 400),
];

const mediaTypeRows: MalformedRequest[] = [
  post('without Content-Type', new TextEncoder().encode(JSON.stringify(valid)), 415, {}),
  post('as text/plain', JSON.stringify(valid), 415, { 'content-type': 'text/plain' }),
  post('as a form', 'nombre=a&precio=1&talla=L', 415, { 'content-type': 'application/x-www-form-urlencoded' }),
  post('as multipart', '--b\r\n\r\n--b--', 415, { 'content-type': 'multipart/form-data; boundary=b' }),
  post('as JSON in latin1', JSON.stringify(valid), 415, { 'content-type': 'application/json; charset=latin1' }),
  post('as application/jsonx', JSON.stringify(valid), 415, { 'content-type': 'application/jsonx' }),
  post('as text/json', JSON.stringify(valid), 415, { 'content-type': 'text/json' }),
  post('as application/xml', '<product/>', 415, { 'content-type': 'application/xml' }),
  post('as octet-stream', JSON.stringify(valid), 415, { 'content-type': 'application/octet-stream' }),
  post('gzip-encoded', new Uint8Array([0x1f, 0x8b, 0x08, 0x00]), 415, { ...json, 'content-encoding': 'gzip' }),
];

const sizeRows: MalformedRequest[] = [
  post('of 20 KiB', withField({ nombre: 'n'.repeat(20 * 1024) }), 413),
  post('of 16 KiB + 1 byte', `{"nombre":"${'n'.repeat(16 * 1024 - 11)}"}`, 413),
  post('of 1 MiB', 'x'.repeat(1024 * 1024), 413),
];

const itemRows: MalformedRequest[] = [
  { name: 'PUT unknown id', method: 'PUT', path: item, headers: json, body: JSON.stringify(valid), status: 404 },
  { name: 'PUT without talla', method: 'PUT', path: item, headers: json, body: without('talla'), status: 400 },
  { name: 'PUT with an extra field', method: 'PUT', path: item, headers: json, body: withField({ extra: 1 }), status: 400 },
  { name: 'PUT malformed id', method: 'PUT', path: '/api/product/nope', headers: json, body: JSON.stringify(valid), status: 404 },
  { name: 'PUT as text/plain', method: 'PUT', path: item, headers: { 'content-type': 'text/plain' }, body: 'x', status: 415 },
  { name: 'PUT over 16 KiB', method: 'PUT', path: item, headers: json, body: withField({ nombre: 'n'.repeat(17 * 1024) }), status: 413 },
  { name: 'PUT malformed JSON', method: 'PUT', path: item, headers: json, body: '{"nombre":', status: 400 },
  { name: 'PATCH empty object', method: 'PATCH', path: item, headers: json, body: '{}', status: 400 },
  { name: 'PATCH unknown field', method: 'PATCH', path: item, headers: json, body: '{"stock":3}', status: 400 },
  { name: 'PATCH string precio', method: 'PATCH', path: item, headers: json, body: '{"precio":"1"}', status: 400 },
  { name: 'PATCH operator body', method: 'PATCH', path: item, headers: json, body: '{"$set":{"precio":0}}', status: 400 },
  { name: 'PATCH $inc body', method: 'PATCH', path: item, headers: json, body: '{"$inc":{"precio":1}}', status: 400 },
  { name: 'PATCH malformed id', method: 'PATCH', path: '/api/product/123', headers: json, body: '{"precio":1}', status: 404 },
  { name: 'PATCH unknown id', method: 'PATCH', path: item, headers: json, body: '{"precio":1}', status: 404 },
  { name: 'PATCH null body', method: 'PATCH', path: item, headers: json, body: 'null', status: 400 },
  { name: 'PATCH null nombre', method: 'PATCH', path: item, headers: json, body: '{"nombre":null}', status: 400 },
  {
    name: 'PATCH as a form',
    method: 'PATCH',
    path: item,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'precio=1',
    status: 415,
  },
  { name: 'GET short id', method: 'GET', path: '/api/product/123', status: 404 },
  { name: 'GET 24 non-hex chars', method: 'GET', path: `/api/product/${'z'.repeat(24)}`, status: 404 },
  { name: 'GET 25 hex chars', method: 'GET', path: `/api/product/${UNKNOWN_PRODUCT_ID}0`, status: 404 },
  { name: 'GET unknown id', method: 'GET', path: item, status: 404 },
  { name: 'GET $where as id', method: 'GET', path: '/api/product/%24where', status: 404 },
  { name: 'GET broken percent-encoding', method: 'GET', path: '/api/product/%zz', status: 404 },
  { name: 'GET operator-looking id', method: 'GET', path: '/api/product/%7B%22%24gt%22%3A%22%22%7D', status: 404 },
  { name: 'GET nested path', method: 'GET', path: `${item}/extra`, status: 404 },
  { name: 'DELETE unknown id', method: 'DELETE', path: item, status: 404 },
  { name: 'DELETE malformed id', method: 'DELETE', path: '/api/product/..', status: 404 },
];

const get = (name: string, query: string): MalformedRequest => ({
  name: `GET list ${name}`,
  method: 'GET',
  path: `/api/product/?${query}`,
  status: 400,
});

const listRows: MalformedRequest[] = [
  get('limit=0', 'limit=0'),
  get('limit=101', 'limit=101'),
  get('limit=abc', 'limit=abc'),
  get('limit=1.5', 'limit=1.5'),
  get('limit=-1', 'limit=-1'),
  get('empty limit', 'limit='),
  get('limit=Infinity', 'limit=Infinity'),
  get('garbage after', 'after=garbage!'),
  get('after of another shape', `after=${Buffer.from('hello:world').toString('base64url')}`),
  get('after that is an ObjectId', `after=${UNKNOWN_PRODUCT_ID}`),
  get('unknown parameter', 'foo=1'),
  get('operator-style parameter', 'limit[$gt]=1'),
  get('filter parameter', 'nombre=iPhone'),
];

const headerRows: MalformedRequest[] = [
  post('with a 256-char Idempotency-Key', JSON.stringify(valid), 400, { ...json, 'idempotency-key': 'k'.repeat(256) }),
  post('with an Idempotency-Key containing a space', JSON.stringify(valid), 400, { ...json, 'idempotency-key': 'a b' }),
  post('with an empty Idempotency-Key', JSON.stringify(valid), 400, { ...json, 'idempotency-key': '' }),
];

const routeRows: MalformedRequest[] = [
  { name: 'DELETE the collection', method: 'DELETE', path: '/api/product', status: 405 },
  { name: 'PUT the collection', method: 'PUT', path: '/api/product/', headers: json, body: JSON.stringify(valid), status: 405 },
  { name: 'PATCH the collection', method: 'PATCH', path: '/api/product/', headers: json, body: '{"precio":1}', status: 405 },
  { name: 'POST to an item', method: 'POST', path: item, headers: json, body: JSON.stringify(valid), status: 405 },
  { name: 'OPTIONS the collection', method: 'OPTIONS', path: '/api/product/', status: 405 },
  { name: 'GET /api', method: 'GET', path: '/api', status: 404 },
  { name: 'GET /api/products (plural)', method: 'GET', path: '/api/products', status: 404 },
  { name: 'POST /api/products (plural)', method: 'POST', path: '/api/products', headers: json, body: JSON.stringify(valid), status: 404 },
  { name: 'GET an unknown top-level path', method: 'GET', path: '/admin', status: 404 },
];

/** Every malformed request, with the status it must get when writes need no token. */
export const MALFORMED_API_REQUESTS: readonly MalformedRequest[] = [
  ...bodyRows,
  ...malformedJsonRows,
  ...mediaTypeRows,
  ...sizeRows,
  ...itemRows,
  ...listRows,
  ...headerRows,
  ...routeRows,
];

/**
 * The status a row gets when writes need a token (API_JWT_SECRET set) and the request carries none:
 * a write to a route that takes it is refused with 401 before anything else is looked at; every
 * other row keeps its answer.
 */
export function expectedStatusWithoutToken(row: MalformedRequest): number {
  const path = new URL(row.path, 'http://api.invalid').pathname.replace(/\/$/, '');
  const isCollection = path === '/api/product';
  const isItem = /^\/api\/product\/[^/]+$/.test(path);
  const guarded = (row.method === 'POST' && isCollection) || (['PUT', 'PATCH', 'DELETE'].includes(row.method) && isItem);
  return guarded ? 401 : row.status;
}
