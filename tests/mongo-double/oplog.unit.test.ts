import { describe, expect, it } from 'vitest';
import { compareOpTime, OpClock } from '../../mongo-double/op-time.js';
import { Oplog } from '../../mongo-double/oplog.js';
import { decodeToken, encodeToken } from '../../mongo-double/resume-token.js';

const write = (n: number) => ({ op: 'insert' as const, db: 'd', coll: 'c', documentKey: { _id: n }, document: { _id: n } });

describe('oplog clock, tokens and retention', () => {
  it('hands out strictly increasing times even when the wall clock goes back', () => {
    let now = 10_000;
    const clock = new OpClock(() => now);
    const first = clock.tick();
    now = 5_000;
    const second = clock.tick();
    now = 20_000;
    const third = clock.tick();
    expect(compareOpTime(second, first)).toBeGreaterThan(0);
    expect(compareOpTime(third, second)).toBeGreaterThan(0);
    expect(third).toEqual({ t: 20, i: 1 });
  });

  it('issues uppercase hex tokens whose string order is oplog order', () => {
    const oplog = new Oplog('0A0B0C0D', 1000);
    const tokens = Array.from({ length: 300 }, (_, n) => oplog.append(write(n)).token);
    expect(tokens.every((token) => /^[0-9A-F]+$/.test(token))).toBe(true);
    expect([...tokens].sort()).toEqual(tokens);
    const point = decodeToken(tokens[5]);
    expect(point).toMatchObject({ kind: 'event', epoch: '0A0B0C0D' });
    expect(encodeToken(point!)).toBe(tokens[5]);
    const highWater = encodeToken({ ...point!, kind: 'highWater' });
    expect(highWater > tokens[5]! && highWater < tokens[6]!).toBe(true);
    expect(decodeToken('82ABC')).toBeNull();
    expect(decodeToken(42)).toBeNull();
  });

  it('keeps at most maxEntries entries and refuses to resume before what it dropped', () => {
    const oplog = new Oplog('00000001', 32);
    const entries = Array.from({ length: 100 }, (_, n) => oplog.append(write(n)));
    expect(oplog.size).toBeLessThanOrEqual(32);
    expect(oplog.canResumeAfter(entries[0]!.time)).toBe(false);
    expect(oplog.canResumeAfter(entries[98]!.time)).toBe(true);
    expect(oplog.find(entries[99]!.time)).toBe(entries[99]);
    expect(oplog.at(oplog.indexAfter(entries[97]!.time))).toBe(entries[98]);
  });

  it('forgets history before a time, or all of it', () => {
    const oplog = new Oplog('00000001', 100);
    const entries = Array.from({ length: 10 }, (_, n) => oplog.append(write(n)));
    oplog.forget(entries[5]!.time);
    expect(oplog.size).toBe(5);
    expect(oplog.canResumeAfter(entries[3]!.time)).toBe(false);
    expect(oplog.canResumeAfter(entries[4]!.time)).toBe(true);
    oplog.forget();
    expect(oplog.size).toBe(0);
    expect(oplog.canResumeAfter(entries[8]!.time)).toBe(false);
    expect(oplog.canResumeAfter(oplog.head)).toBe(true);
  });

  it('wakes listeners on every append until they unsubscribe', () => {
    const oplog = new Oplog('00000001', 100);
    let calls = 0;
    const stop = oplog.onAppend(() => calls++);
    oplog.append(write(1));
    stop();
    oplog.append(write(2));
    expect(calls).toBe(1);
  });
});
