import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS, REDACTED, redactingErrorSerializer, redactRecord, redactText, redactUrlCredentials } from '../../common/redact.js';

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
    const logger = pino(
      {
        level: 'trace',
        redact: { paths: REDACT_PATHS, censor: REDACTED },
        serializers: { err: redactingErrorSerializer },
        formatters: { log: redactRecord },
      },
      sink,
    );
    const error = Object.assign(new Error(`bad header in GET /?access_token=${jwt}`), {
      rawPacket: Buffer.from(`Authorization: Bearer ${jwt}`),
    });
    logger.debug({ err: error, url: `/?access_token=${jwt}`, headers: { authorization: `Bearer ${jwt}` } }, 'malformed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('c2lnbmF0dXJl');
    expect(lines[0]).not.toContain('rawPacket');
  });
});
