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
