import { describe, expect, it } from 'vitest';
import {
  isOnReplyDomain,
  readReplyAddress,
  replyAddressFor,
  verifyReplyToken,
} from '../../../lib/domain/reply-token.js';

const SECRET = 'a-secret-of-enough-length-for-tests';

describe('reply tokens', () => {
  it('round-trips a conversation id through a signed address', () => {
    const address = replyAddressFor('0123abcd4567ef89', SECRET, 'reply.example.test');
    expect(address).toMatch(/^reply\+0123abcd4567ef89\.[a-f0-9]{24}@reply\.example\.test$/);
    const claim = readReplyAddress(address.toUpperCase(), 'reply.example.test');
    expect(claim?.conversationId).toBe('0123abcd4567ef89');
    expect(claim && verifyReplyToken(claim, SECRET)).toBe(true);
  });

  it('rejects a changed signature, another conversation, and another secret', () => {
    const claim = readReplyAddress(replyAddressFor('0123abcd4567ef89', SECRET, 'r.test'), 'r.test');
    if (!claim) throw new Error('no claim');
    const flipped = claim.signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(verifyReplyToken({ ...claim, signature: flipped }, SECRET)).toBe(false);
    expect(verifyReplyToken({ ...claim, signature: claim.signature.slice(1) }, SECRET)).toBe(false);
    expect(verifyReplyToken({ ...claim, conversationId: 'ffffffffffffffff' }, SECRET)).toBe(false);
    expect(verifyReplyToken(claim, `${SECRET}x`)).toBe(false);
  });

  it('reads nothing from other domains or malformed local parts', () => {
    expect(readReplyAddress('reply+0123abcd.abcdef@other.test', 'r.test')).toBeUndefined();
    expect(readReplyAddress('reply+nonsense@r.test', 'r.test')).toBeUndefined();
    expect(readReplyAddress('someone@r.test', 'r.test')).toBeUndefined();
    expect(isOnReplyDomain('someone@R.test', 'r.test')).toBe(true);
    expect(isOnReplyDomain('someone@notr.test', 'r.test')).toBe(false);
  });
});

describe('reply-token key rotation', () => {
  const OLD = 'old-key-old-key-old-key-old-key-old-key';
  const NEW = 'new-key-new-key-new-key-new-key-new-key';
  const retiredAt = '2026-12-01T00:00:00.000Z';
  const rotated = JSON.stringify({
    current: { id: 'k2', key: NEW },
    previous: { id: '', key: OLD, retiredAt },
  });
  const window = (iso: string) => ({ now: new Date(iso), graceDays: 30 });

  it('names the current key in new tokens and verifies them', () => {
    const address = replyAddressFor('0123abcd4567ef89', rotated, 'r.test');
    expect(address).toMatch(/^reply\+0123abcd4567ef89\.k2\.[a-f0-9]{24}@r\.test$/);
    const claim = readReplyAddress(address, 'r.test');
    expect(claim?.keyId).toBe('k2');
    expect(claim && verifyReplyToken(claim, rotated, window('2027-06-01T00:00:00Z'))).toBe(true);
  });

  it('keeps tokens of the previous key working for graceDays after its retirement, not after', () => {
    const before = readReplyAddress(replyAddressFor('0123abcd4567ef89', OLD, 'r.test'), 'r.test');
    if (!before) throw new Error('no claim');
    expect(before.keyId).toBeUndefined();
    expect(verifyReplyToken(before, rotated, window('2026-12-31T00:00:00Z'))).toBe(true);
    expect(verifyReplyToken(before, rotated, window('2027-01-01T00:00:01Z'))).toBe(false);
    // Without a window only the current key counts.
    expect(verifyReplyToken(before, rotated)).toBe(false);
  });

  it('rejects a token whose key id is swapped, unknown, or signed by another key', () => {
    const claim = readReplyAddress(replyAddressFor('0123abcd4567ef89', rotated, 'r.test'), 'r.test');
    if (!claim) throw new Error('no claim');
    const inGrace = window('2026-12-02T00:00:00Z');
    // The key id is inside the HMAC: the same signature under the unnamed key does not verify.
    expect(verifyReplyToken({ ...claim, keyId: undefined }, rotated, inGrace)).toBe(false);
    expect(verifyReplyToken({ ...claim, keyId: 'k9' }, rotated, inGrace)).toBe(false);
    const forged = JSON.stringify({ current: { id: 'k2', key: `${NEW}x` } });
    expect(verifyReplyToken(claim, forged, inGrace)).toBe(false);
  });

  it('reads three-part tokens strictly', () => {
    expect(readReplyAddress('reply+0123abcd4567ef89.k2.abcdef@r.test', 'r.test')).toEqual({
      conversationId: '0123abcd4567ef89',
      keyId: 'k2',
      signature: 'abcdef',
    });
    expect(readReplyAddress('reply+0123abcd4567ef89.k2.k3.abcdef@r.test', 'r.test')).toBeUndefined();
    expect(readReplyAddress('reply+0123abcd4567ef89.toolongkeyid.abcdef@r.test', 'r.test')).toBeUndefined();
    expect(readReplyAddress('reply+0123abcd4567ef89..abcdef@r.test', 'r.test')).toBeUndefined();
  });

  it('refuses malformed secrets with a message naming the problem', () => {
    expect(() => replyAddressFor('0123abcd4567ef89', ' ', 'r.test')).toThrow(/non-empty/);
    expect(() => replyAddressFor('0123abcd4567ef89', '{"current":', 'r.test')).toThrow(/not JSON/);
    expect(() =>
      replyAddressFor('0123abcd4567ef89', JSON.stringify({ current: { id: 'K!', key: NEW } }), 'r.test'),
    ).toThrow(/id must be/);
    expect(() =>
      replyAddressFor(
        '0123abcd4567ef89',
        JSON.stringify({ current: { id: 'k2', key: NEW }, previous: { id: 'k1', key: OLD } }),
        'r.test',
      ),
    ).toThrow(/retiredAt/);
  });
});
