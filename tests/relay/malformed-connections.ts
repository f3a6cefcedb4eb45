import { API_AUDIENCE, RELAY_AUDIENCE } from '../../common/tokens.js';
import { createHmac } from 'node:crypto';
import type { RelayConfig } from '../../relay/config.js';
import { CloseCode } from '../../contract/close-codes.js';
import { respellSignature, tamperSignature } from '../harness/tampered-token.js';

// A table of malformed relay inputs with the answer each must get, as documented in the README's
// "Relay edge" section: refusals before the upgrade are HTTP statuses; a bad query, once upgraded, is
// close code 4400; what a client sends afterwards is 4403 (protocol), 4429 (rate), 1009 (size) or
// 1007 (invalid UTF-8, answered by ws itself). A table-driven test across relay and API imports it.
// The answers assume the relay runs with `malformedRelayConfig` (auth and an origin allow list on).

/** The HS256 secret the table's tokens are signed with. */
export const MALFORMED_RELAY_SECRET = 'malformed-inputs-secret-of-32-bytes-at-least';
/** The only Origin the relay under test allows. */
export const MALFORMED_RELAY_ORIGIN = 'https://shop.example';

/** Relay settings the expected answers assume. */
export const malformedRelayConfig: Partial<RelayConfig> = {
  jwtSecret: MALFORMED_RELAY_SECRET,
  allowedOrigins: [MALFORMED_RELAY_ORIGIN],
  maxPayload: 4096,
  clientMessagesPerSecond: 20,
};

/** What the relay answers: an HTTP status instead of 101, or a close code after it. */
export type RelayAnswer = { http: number } | { close: number };

/** One frame a client sends once connected. */
export interface ClientFrame {
  data: string | Buffer;
  binary?: boolean;
  /** false: a fragment, continued by the next frame. */
  fin?: boolean;
}

/** One malformed input and its documented answer. */
export interface MalformedRelayInput {
  name: string;
  kind: 'url' | 'path' | 'origin' | 'token' | 'handshake' | 'message';
  /** Request target: path and query. */
  target: string;
  /** Request headers; a valid `Authorization: Bearer` is added unless `auth` is false. */
  headers?: Record<string, string>;
  auth?: boolean;
  /** A raw HTTP request no WebSocket client would send (`{{TOKEN}}` is a valid token). */
  raw?: string;
  /** Frames sent once the connection is open. */
  frames?: ClientFrame[];
  expect: RelayAnswer;
}

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** Signs a JWT by hand, so the table can also hold tokens a JWT library refuses to produce. */
export function handMadeJwt(header: object, payload: object, secret = MALFORMED_RELAY_SECRET, algorithm = 'sha256'): string {
  const signingInput = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${signingInput}.${createHmac(algorithm, secret).update(signingInput).digest('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);
/** A token the relay accepts (valid for a day from when the module loads). */
export const VALID_RELAY_TOKEN = handMadeJwt({ alg: 'HS256', typ: 'JWT' }, { sub: 'table', aud: RELAY_AUDIENCE, exp: now() + 86_400 });

const badRequest = { close: CloseCode.badRequest };
const policy = { close: CloseCode.policy };
const unauthorized = { http: 401 };
const forbidden = { http: 403 };

const urls: Array<[string, string]> = [
  ['unknown parameter', 'foo=1'],
  ['unknown parameter without value', 'foo'],
  ['empty parameter name', '=1'],
  ['parameter name in capitals', 'OPS=insert'],
  ['op in capitals', 'ops=INSERT'],
  ['unknown op', 'ops=upsert'],
  ['empty ops', 'ops='],
  ['trailing comma in ops', 'ops=insert,'],
  ['leading comma in ops', 'ops=,insert'],
  ['empty op between commas', 'ops=insert,,update'],
  ['repeated op', 'ops=insert,insert'],
  ['repeated op among others', 'ops=delete,replace,update,insert,delete'],
  ['ops given twice', 'ops=insert&ops=update'],
  ['ops given twice in different case', 'ops=update&OPS=delete'],
  ['NUL in op', 'ops=insert%00'],
  ['space before op', 'ops=%20insert'],
  ['semicolon list', 'ops=insert;update'],
  ['space-separated ops', 'ops=insert%20update'],
  ['array syntax', 'ops[]=insert'],
  ['wildcard op', 'ops=*'],
  ['op "all"', 'ops=all'],
  ['percent-encoded garbage op', 'ops=ins%ert'],
  ['unknown field', 'where.color=red'],
  ['empty field name', 'where.=x'],
  ['where without a field', 'where=talla'],
  ['nested field', 'where.talla.x=L'],
  ['bracket field syntax', 'where[talla]=L'],
  ['field in capitals', 'where.Talla=L'],
  ['Mongo _id field', 'where._id=65a1b2c3d4e5f60718293a4b'],
  ['operator as field', 'where.$where=1'],
  ['operator as parameter', '$where=1'],
  ['operator in field name', 'where.id[$ne]=1'],
  ['regex operator on nombre', 'where.nombre[$regex]=.*'],
  ['createdAt is not filterable', 'where.createdAt=2024-01-01'],
  ['empty talla', 'where.talla='],
  ['talla with leading space', 'where.talla=%20L'],
  ['talla with trailing space', 'where.talla=L%20'],
  ['talla too long', `where.talla=${'X'.repeat(17)}`],
  ['talla given twice', 'where.talla=L&where.talla=M'],
  ['empty nombre', 'where.nombre='],
  ['nombre too long', `where.nombre=${'n'.repeat(201)}`],
  ['nombre with leading space', 'where.nombre=%20iPhone'],
  ['nombre only spaces', 'where.nombre=%20%20%20'],
  ['precio not a number', 'where.precio=cheap'],
  ['empty precio', 'where.precio='],
  ['negative precio', 'where.precio=-1'],
  ['precio with exponent', 'where.precio=1e3'],
  ['precio with three decimals', 'where.precio=1.234'],
  ['precio NaN', 'where.precio=NaN'],
  ['precio Infinity', 'where.precio=Infinity'],
  ['precio in hex', 'where.precio=0x10'],
  ['precio with decimal comma', 'where.precio=1,5'],
  ['precio with leading space', 'where.precio=%201'],
  ['precio ending in a dot', 'where.precio=1.'],
  ['precio starting with a dot', 'where.precio=.5'],
  ['precio with a plus sign', 'where.precio=%2B1'],
  ['precio with too many digits', 'where.precio=99999999999999999'],
  ['precio given twice', 'where.precio=1&where.precio=2'],
  ['id too short', 'where.id=123'],
  ['empty id', 'where.id='],
  ['id not hex', 'where.id=zzzzzzzzzzzzzzzzzzzzzzzz'],
  ['id 23 hex digits', 'where.id=65a1b2c3d4e5f60718293a4'],
  ['id 25 hex digits', 'where.id=65a1b2c3d4e5f60718293a4b0'],
  ['id as ObjectId() text', 'where.id=ObjectId(%2265a1b2c3d4e5f60718293a4b%22)'],
  ['empty since', 'since='],
  ['since is a word', 'since=yesterday'],
  ['since time without value', 'since=time:'],
  ['since time without increment', 'since=time:1'],
  ['since time with empty increment', 'since=time:1.'],
  ['since time with empty seconds', 'since=time:.1'],
  ['since time not numeric', 'since=time:1.x'],
  ['since time negative', 'since=time:-1.0'],
  ['since time with eleven digits', 'since=time:99999999999.0'],
  ['since time past 32 bits', 'since=time:4294967296.0'],
  ['since time with three parts', 'since=time:1.2.3'],
  ['since TIME in capitals', 'since=TIME:1.2'],
  ['since with a non-hex letter', 'since=G0'],
  ['since with 0x prefix', 'since=0x8265'],
  ['since with trailing space', 'since=8265%20'],
  ['since of one hex digit', 'since=A'],
  ['since too long', `since=${'A'.repeat(1025)}`],
  ['since as JSON', `since=${encodeURIComponent('{"_data":"8265"}')}`],
  ['since given twice', 'since=8265&since=8266'],
  ['since NUL', 'since=%00'],
  ['jsonp callback', 'callback=x'],
  ['valid ops then a bare unknown', 'ops=insert&foo'],
  ['empty pairs then unknown', '&&&&foo=1'],
  ['three unknowns', 'a=1&b=2&c=3'],
  ['very long unknown name', `${'p'.repeat(5000)}=1`],
  ['invalid percent in name', '%ZZ=1'],
  ['unicode parameter name', `${encodeURIComponent('opś')}=insert`],
  ['socket.io parameters', 'EIO=4&transport=websocket'],
];

const paths: Array<[string, string]> = [
  ['a /ws path', '/ws'],
  ['the socket.io path', '/socket.io/?EIO=4&transport=websocket'],
  ['a double slash', '//'],
  ['an HTML page', '/index.html'],
  ['upgrade on /healthz', '/healthz'],
  ['upgrade on /readyz', '/readyz'],
  ['the API path', '/api/product/'],
  ['an encoded traversal', '/%2e%2e/%2e%2e/etc/passwd'],
];

const origins: Array<[string, string]> = [
  ['another site', 'https://evil.example'],
  ['the null origin', 'null'],
  ['a lookalike host', 'https://shop.example.evil.com'],
  ['a trailing slash', 'https://shop.example/'],
  ['another port', 'https://shop.example:8443'],
  ['another scheme', 'http://shop.example'],
  ['a path after the origin', 'https://evil.example/https://shop.example'],
  ['an empty origin', ''],
  ['a wildcard', '*'],
  ['not a URL', 'garbage'],
  ['two origins', 'https://shop.example, https://evil.example'],
  ['a file URL', 'file://'],
  ['user info', 'https://user@shop.example'],
];

const header = { alg: 'HS256', typ: 'JWT' };
const claims = () => ({ sub: 'table', aud: RELAY_AUDIENCE, exp: now() + 3600 });
const valid = VALID_RELAY_TOKEN;
const [validHead, validBody, validSig] = valid.split('.') as [string, string, string];
const tokens: Array<[string, string]> = [
  ['a token signed with another secret', handMadeJwt(header, claims(), 'another-secret')],
  ['an expired token', handMadeJwt(header, { ...claims(), exp: now() - 60 })],
  ['a token meant for API writes', handMadeJwt(header, { ...claims(), aud: API_AUDIENCE })],
  ['a token without audience', handMadeJwt(header, { sub: 'table', exp: now() + 3600 })],
  ['a token without expiry', handMadeJwt(header, { sub: 'table', aud: RELAY_AUDIENCE })],
  ['a token not valid yet', handMadeJwt(header, { ...claims(), nbf: now() + 3600 })],
  ['an unsigned alg:none token', `${b64(JSON.stringify({ alg: 'none' }))}.${b64(JSON.stringify(claims()))}.`],
  ['an HS512 token', handMadeJwt({ alg: 'HS512' }, claims(), MALFORMED_RELAY_SECRET, 'sha512')],
  ['an HS384 token', handMadeJwt({ alg: 'HS384' }, claims(), MALFORMED_RELAY_SECRET, 'sha384')],
  ['an RS256 header over an HMAC signature', handMadeJwt({ alg: 'RS256' }, claims())],
  ['a tampered payload', `${validHead}.${b64(JSON.stringify({ sub: 'admin', exp: now() + 3600 }))}.${validSig}`],
  ['a tampered signature', tamperSignature(valid)],
  ['a signature respelled in the bits decoders ignore', respellSignature(valid)],
  ['a token without signature part', `${validHead}.${validBody}`],
  ['a token with four parts', `${valid}.extra`],
  ['a JWE-shaped token', 'a.b.c.d.e'],
  ['a token with non-base64 characters', `${validHead}.${validBody}.***`],
  ['a payload that is not JSON', `${validHead}.${b64('not json')}.${validSig}`],
  ['a header that is not JSON', `${b64('not json')}.${validBody}.${validSig}`],
  ['an exp that is a string', handMadeJwt(header, { ...claims(), exp: 'tomorrow' })],
  ['an unknown critical header', handMadeJwt({ ...header, crit: ['x-unknown'], 'x-unknown': 1 }, claims())],
  ['a random word', 'letmein'],
  ['a very long token', 'x'.repeat(8000)],
  ['a JSON payload instead of a JWT', JSON.stringify(claims())],
];

const text = (data: string): ClientFrame => ({ data });
const messages: Array<[string, ClientFrame[], RelayAnswer]> = [
  ['plain text', [text('hello')], policy],
  ['an empty text frame', [text('')], policy],
  ['an empty object', [text('{}')], policy],
  ['an empty array', [text('[]')], policy],
  ['null', [text('null')], policy],
  ['a number', [text('1')], policy],
  ['a JSON string "ping"', [text('"ping"')], policy],
  ['a pong from the client', [text('{"type":"pong"}')], policy],
  ['PING in capitals', [text('{"type":"PING"}')], policy],
  ['ping with an extra field', [text('{"type":"ping","x":1}')], policy],
  ['type as an array', [text('{"type":["ping"]}')], policy],
  ['type null', [text('{"type":null}')], policy],
  ['Type in capitals', [text('{"Type":"ping"}')], policy],
  ['a subscribe request', [text('{"type":"subscribe","ops":["delete"]}')], policy],
  ['two objects in one frame', [text('{"type":"ping"}{"type":"ping"}')], policy],
  ['a trailing comma', [text('{"type":"ping",}')], policy],
  ['a __proto__ payload', [text('{"__proto__":{"type":"ping"}}')], policy],
  ['truncated JSON', [text('{"type":"ping"')], policy],
  ['a ping after a valid ping', [text('{"type":"ping"}'), text('ping')], policy],
  ['a binary frame', [{ data: Buffer.from('{"type":"ping"}'), binary: true }], policy],
  ['an empty binary frame', [{ data: Buffer.alloc(0), binary: true }], policy],
  ['invalid UTF-8 in a text frame', [{ data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), binary: false }], { close: CloseCode.invalidPayload }],
  ['a text frame over maxPayload', [text(`{"type":"ping","pad":"${'x'.repeat(5000)}"}`)], { close: CloseCode.tooBig }],
  ['a megabyte of text', [text('x'.repeat(1024 * 1024))], { close: CloseCode.tooBig }],
  ['a binary frame over maxPayload', [{ data: Buffer.alloc(4097), binary: true }], { close: CloseCode.tooBig }],
  [
    'fragments adding up past maxPayload',
    [
      { data: 'a'.repeat(3000), fin: false },
      { data: 'a'.repeat(3000), fin: true },
    ],
    { close: CloseCode.tooBig },
  ],
  ['30 pings at once (limit 20/s)', Array.from({ length: 30 }, () => text('{"type":"ping"}')), { close: CloseCode.rateLimited }],
  ['100 pings at once', Array.from({ length: 100 }, () => text('{"type":"ping"}')), { close: CloseCode.rateLimited }],
];

const upgradeHead = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
const handshake = (
  target: string,
  extra: string[],
  options: { key?: string | null; version?: string | null; upgrade?: string; method?: string } = {},
) =>
  upgradeHead([
    `${options.method ?? 'GET'} ${target} HTTP/1.1`,
    'Host: relay.test',
    'Connection: Upgrade',
    `Upgrade: ${options.upgrade ?? 'websocket'}`,
    ...(options.key === null ? [] : [`Sec-WebSocket-Key: ${options.key ?? 'dGhlIHNhbXBsZSBub25jZQ=='}`]),
    ...(options.version === null ? [] : [`Sec-WebSocket-Version: ${options.version ?? '13'}`]),
    'Authorization: Bearer {{TOKEN}}',
    ...extra,
  ]);
const handshakes: Array<[string, string, number]> = [
  ['no Sec-WebSocket-Key', handshake('/', [], { key: null }), 400],
  ['a key that is not 16 bytes', handshake('/', [], { key: 'SGVsbG8sIHdvcmxkIQ==' }), 400],
  ['an unsupported version', handshake('/', [], { version: '12' }), 400],
  ['no version', handshake('/', [], { version: null }), 400],
  ['Upgrade: h2c', handshake('/', [], { upgrade: 'h2c' }), 400],
  ['POST with Upgrade', handshake('/', ['Content-Length: 0'], { method: 'POST' }), 405],
  ['a malformed subprotocol list', handshake('/', ['Sec-WebSocket-Protocol: a,,b']), 400],
  ['not HTTP at all', 'HELLO RELAY\r\n\r\n', 400],
  ['a 20 KiB header', handshake('/', [`X-Big: ${'b'.repeat(20 * 1024)}`]), 431],
  ['a bad request target', handshake('http://[', []), 400],
];

/** Every malformed relay input with its documented answer (at least 120). */
export const MALFORMED_RELAY_INPUTS: MalformedRelayInput[] = [
  ...urls.map(([name, query]): MalformedRelayInput => ({ name: `url: ${name}`, kind: 'url', target: `/?${query}`, expect: badRequest })),
  ...paths.map(([name, target]): MalformedRelayInput => ({ name: `path: ${name}`, kind: 'path', target, expect: { http: 404 } })),
  ...origins.map(([name, origin]): MalformedRelayInput => ({
    name: `origin: ${name}`,
    kind: 'origin',
    target: '/',
    headers: { Origin: origin },
    expect: forbidden,
  })),
  { name: 'token: none at all', kind: 'token', target: '/', auth: false, expect: unauthorized },
  { name: 'token: empty access_token', kind: 'token', target: '/?access_token=', auth: false, expect: unauthorized },
  {
    name: 'token: access_token twice',
    kind: 'token',
    target: `/?access_token=${valid}&access_token=${valid}`,
    auth: false,
    expect: unauthorized,
  },
  { name: 'token: header and access_token both', kind: 'token', target: `/?access_token=${valid}`, expect: unauthorized },
  {
    name: 'token: Basic credentials',
    kind: 'token',
    target: '/',
    auth: false,
    headers: { Authorization: 'Basic dXNlcjpwYXNz' },
    expect: unauthorized,
  },
  { name: 'token: empty Bearer', kind: 'token', target: '/', auth: false, headers: { Authorization: 'Bearer' }, expect: unauthorized },
  {
    name: 'token: Bearer with two words',
    kind: 'token',
    target: '/',
    auth: false,
    headers: { Authorization: `Bearer ${valid} extra` },
    expect: unauthorized,
  },
  {
    name: 'token: another scheme',
    kind: 'token',
    target: '/',
    auth: false,
    headers: { Authorization: `Token ${valid}` },
    expect: unauthorized,
  },
  {
    name: 'token: bare token without scheme',
    kind: 'token',
    target: '/',
    auth: false,
    headers: { Authorization: valid },
    expect: unauthorized,
  },
  ...tokens.flatMap(([name, token]): MalformedRelayInput[] => [
    {
      name: `token (header): ${name}`,
      kind: 'token',
      target: '/',
      auth: false,
      headers: { Authorization: `Bearer ${token}` },
      expect: unauthorized,
    },
    {
      name: `token (query): ${name}`,
      kind: 'token',
      target: `/?access_token=${encodeURIComponent(token)}`,
      auth: false,
      expect: unauthorized,
    },
  ]),
  ...handshakes.map(([name, raw, status]): MalformedRelayInput => ({
    name: `handshake: ${name}`,
    kind: 'handshake',
    target: '/',
    raw,
    expect: { http: status },
  })),
  ...messages.map(([name, frames, answer]): MalformedRelayInput => ({
    name: `message: ${name}`,
    kind: 'message',
    target: '/',
    frames,
    expect: answer,
  })),
];
