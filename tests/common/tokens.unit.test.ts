import { describe, expect, it } from 'vitest';
import { mintToken, verifyToken } from '../../common/tokens.js';
import { respellSignature } from '../harness/tampered-token.js';

const policy = { secret: 'a-secret-of-at-least-thirty-two-bytes!!', audience: 'tests' };

describe('verifyToken', () => {
  it('accepts a token only as its signer spelled it, not respelled in the bits base64url decoders ignore', async () => {
    const token = await mintToken({ ...policy, ttlSeconds: 60, subject: 'someone' });
    const respelled = respellSignature(token);
    const signature = (text: string) => Buffer.from(text.split('.')[2] ?? '', 'base64url');
    // The respelled token decodes to the very same signature bytes: only the string differs.
    expect(respelled).not.toBe(token);
    expect(signature(respelled).equals(signature(token))).toBe(true);

    expect(await verifyToken(token, policy)).toMatchObject({ ok: true, subject: 'someone' });
    expect(await verifyToken(respelled, policy)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('keeps the reason of what else is wrong with a token', async () => {
    const expired = await mintToken({ ...policy, ttlSeconds: -60, subject: 'someone' });
    expect(await verifyToken(respellSignature(expired), policy)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifyToken('x.y.***', policy)).toEqual({ ok: false, reason: 'malformed' });
  });
});
