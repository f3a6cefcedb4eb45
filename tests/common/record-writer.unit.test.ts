import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { recordWriter } from '../../common/record-writer.js';
import { REDACTED } from '../../common/redact.js';

// recordWriter writes a frequent record without pino's general path; a log shipper must not be able
// to tell its lines from the logger's own.

function sink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(chunk.toString()), done()) });
  return { lines, stream };
}

/** A line with its time set to 0, the one field two writes a moment apart may differ in. */
const timeless = (line: string) => line.replace(/"time":\d+/, '"time":0');

describe('recordWriter', () => {
  it('writes the same JSON line as the logger would, character for character', () => {
    const { lines, stream } = sink();
    const logger = createLogger('api', { level: 'info', destination: stream });
    const fields = { requestId: 'caller-id-1', method: 'POST', path: '/api/product/ñandú "x"\n', status: 201, ms: 1.5 };
    recordWriter(logger, 'info', 'request')(fields);
    logger.info(fields, 'request');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(timeless(lines[0]!)).toBe(timeless(lines[1]!));
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, name: 'api', pid: process.pid, msg: 'request', ...fields });
  });

  it('takes credentials out as the logger does', () => {
    const { lines, stream } = sink();
    const logger = createLogger('api', { level: 'info', destination: stream });
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const fields = { path: `/api/product/${jwt}`, token: 'plain-secret', status: 200 };
    recordWriter(logger, 'info', 'request')(fields);
    logger.info(fields, 'request');
    expect(lines[0]).not.toContain('c2lnbmF0dXJl');
    expect(lines[0]).not.toContain('plain-secret');
    expect(lines[0]).toContain(REDACTED);
    expect(timeless(lines[0]!)).toBe(timeless(lines[1]!));
  });

  it('writes nothing below the logger’s level, and follows a level changed later', () => {
    const { lines, stream } = sink();
    const logger = createLogger('api', { level: 'warn', destination: stream });
    const write = recordWriter(logger, 'info', 'request');
    write({ status: 200 });
    expect(lines).toHaveLength(0);
    logger.level = 'info';
    write({ status: 200 });
    expect(lines).toHaveLength(1);
  });

  it('leaves any other logger to its own method (a child, a pretty or foreign one)', () => {
    const { lines, stream } = sink();
    const foreign = pino({ base: null, timestamp: false }, stream);
    recordWriter(foreign, 'info', 'request')({ status: 200 });
    expect(lines).toEqual(['{"level":30,"status":200,"msg":"request"}\n']);
    const child = createLogger('api', { level: 'info', destination: stream }).child({ component: 'http' });
    recordWriter(child, 'info', 'request')({ status: 201 });
    expect(JSON.parse(lines[1]!)).toMatchObject({ component: 'http', status: 201, msg: 'request' });
  });
});
