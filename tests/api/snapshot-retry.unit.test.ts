import { MongoServerError, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { retryUnavailableSnapshot } from '../../api/product-repository.js';

const unavailable = () => new MongoServerError({ ok: 0, code: 246, codeName: 'SnapshotUnavailable', errmsg: 'pending catalog changes' });

/** A read that fails with each of `errors` in turn, then answers. */
function readFailing(errors: Error[]) {
  let calls = 0;
  const read = async (): Promise<Document> => {
    const error = errors[calls];
    calls += 1;
    if (error) throw error;
    return { ok: 1 };
  };
  return { read, calls: () => calls };
}

describe('snapshot reads while a catalog change is not yet majority-committed', () => {
  it('are tried again and succeed once the snapshot is available', async () => {
    const { read, calls } = readFailing([unavailable(), unavailable()]);
    await expect(retryUnavailableSnapshot(read)).resolves.toEqual({ ok: 1 });
    expect(calls()).toBe(3);
  });

  it('give up after three attempts', async () => {
    const { read, calls } = readFailing([unavailable(), unavailable(), unavailable()]);
    await expect(retryUnavailableSnapshot(read)).rejects.toMatchObject({ code: 246 });
    expect(calls()).toBe(3);
  });

  it('are not retried for any other error', async () => {
    const { read, calls } = readFailing([new MongoServerError({ ok: 0, code: 2, errmsg: 'BadValue' })]);
    await expect(retryUnavailableSnapshot(read)).rejects.toMatchObject({ code: 2 });
    expect(calls()).toBe(1);
  });
});
