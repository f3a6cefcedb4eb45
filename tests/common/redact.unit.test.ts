import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { REDACTED, redactRecord, redactText, redactUrlCredentials } from '../../common/redact.js';

const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('redaction of credentials in logs', () => {
  it('takes bearer tokens, access_token parameters and JWT-shaped strings out of text', () => {
    expect(redactText(`Authorization: Bearer ${jwt}`)).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText(`ws://relay/?ops=insert&access_token=abc.def&since=1`)).toBe(
      `ws://relay/?ops=insert&access_token=${REDACTED}&since=1`,
    );
    expect(redactText(`token ${jwt} refused`)).toBe(`token ${REDACTED} refused`);
    expect(redactText('nothing secret here')).toBe('nothing secret here');
  });

  it('hides the password of a MongoDB connection string, and only the password', () => {
    expect(redactUrlCredentials('mongodb://app:s3cr%40t@mongo:27017/shop?replicaSet=rs0')).toBe(
      `mongodb://app:${REDACTED}@mongo:27017/shop?replicaSet=rs0`,
    );
    expect(redactUrlCredentials('mongodb://mongo:27017/shop')).toBe('mongodb://mongo:27017/shop');
    expect(redactText('cannot reach mongodb://root:hunter2@db:27017')).toBe(`cannot reach mongodb://root:${REDACTED}@db:27017`);
  });

  it('leaves no credential in a log line built from a request, its URL or an error', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(chunk.toString()), done()) });
    const logger = createLogger('test', { level: 'trace', destination: sink });
    const error = Object.assign(new Error(`bad header in GET /?access_token=${jwt}`), {
      rawPacket: Buffer.from(`Authorization: Bearer ${jwt}`),
    });
    logger.debug({ err: error, url: `/?access_token=${jwt}`, headers: { authorization: `Bearer ${jwt}` } }, 'malformed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('c2lnbmF0dXJl');
    expect(lines[0]).not.toContain('rawPacket');
  });

  it('censors secret fields at any of the places a record carries them, and keeps the rest', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(JSON.parse(chunk.toString())), done()) });
    const logger = createLogger('test', { level: 'info', destination: sink });
    const driverError = Object.assign(new Error('bad'), { code: 2, rawPacket: Buffer.from(`Bearer ${jwt}`) });
    const upgrade = { headers: { authorization: `Bearer ${jwt}`, host: 'relay' }, url: '/', token: jwt };
    logger.info(
      { token: jwt, access_token: jwt, authorization: 'Basic dXNlcjpwYXNz', upgrade, req: upgrade, error: driverError, count: 3 },
      'with secrets',
    );
    expect(lines[0]).toEqual(
      expect.objectContaining({
        token: REDACTED,
        access_token: REDACTED,
        authorization: REDACTED,
        upgrade: { headers: { authorization: REDACTED, host: 'relay' }, url: '/', token: REDACTED },
        req: { headers: { authorization: REDACTED, host: 'relay' }, url: '/', token: REDACTED },
        error: { code: 2, rawPacket: REDACTED },
        count: 3,
        msg: 'with secrets',
      }),
    );
    // The caller's objects are left as they were.
    expect(upgrade.headers.authorization).toBe(`Bearer ${jwt}`);
    expect(driverError.rawPacket).toBeInstanceOf(Buffer);
  });

  it('returns a record that holds nothing to take out as it is', () => {
    const record = { requestId: 'abc', method: 'POST', path: '/api/product/', status: 201, ms: 1.5, nested: { a: 1 } };
    expect(redactRecord(record)).toBe(record);
  });
});
