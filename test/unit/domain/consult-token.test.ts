import { describe, expect, it } from 'vitest';
import {
  boundColleague,
  consultAddressFor,
  readConsultAddress,
  verifyConsultToken,
} from '../../../lib/domain/consult-token.js';
import { readReplyAddress, replyAddressFor, verifyReplyToken } from '../../../lib/domain/reply-token.js';

const SECRET = 'a-secret-of-enough-length-for-tests';
const CONVERSATION = '0123abcd4567ef89';
const CAROL = 'carol@example.test';
const DAVE = 'dave@example.test';

function claimOf(address: string) {
  const claim = readConsultAddress(address, 'r.test');
  if (!claim) throw new Error(`no consult claim in ${address}`);
  return claim;
}

describe('consult tokens', () => {
  it('round-trip a conversation through a consult address bound to one colleague', () => {
    const address = consultAddressFor(CONVERSATION, CAROL, SECRET, 'r.test');
    expect(address).toMatch(/^consult\+0123abcd4567ef89\.[a-f0-9]{24}@r\.test$/);
    const claim = claimOf(address.toUpperCase());
    expect(claim.conversationId).toBe(CONVERSATION);
    expect(verifyConsultToken(claim, CAROL, SECRET)).toBe(true);
    // The colleague's address is compared in any case.
    expect(verifyConsultToken(claim, ' Carol@Example.TEST ', SECRET)).toBe(true);
  });

  it('never verify for another colleague, another conversation or another secret', () => {
    const claim = claimOf(consultAddressFor(CONVERSATION, CAROL, SECRET, 'r.test'));
    expect(verifyConsultToken(claim, DAVE, SECRET)).toBe(false);
    expect(verifyConsultToken({ ...claim, conversationId: 'ffffffffffffffff' }, CAROL, SECRET)).toBe(false);
    expect(verifyConsultToken(claim, CAROL, `${SECRET}x`)).toBe(false);
    expect(verifyConsultToken({ ...claim, signature: claim.signature.slice(1) }, CAROL, SECRET)).toBe(false);
    // Each colleague of one conversation has an address of their own.
    expect(consultAddressFor(CONVERSATION, DAVE, SECRET, 'r.test')).not.toBe(
      consultAddressFor(CONVERSATION, CAROL, SECRET, 'r.test'),
    );
  });

  it('are their own kind: a consult signature is no reply token, a reply signature no consult token', () => {
    const consult = consultAddressFor(CONVERSATION, CAROL, SECRET, 'r.test');
    // Read as a reply address it is nothing at all.
    expect(readReplyAddress(consult, 'r.test')).toBeUndefined();
    // Its signature moved into a reply address does not verify as a reply token.
    const asReply = readReplyAddress(consult.replace(/^consult\+/, 'reply+'), 'r.test');
    expect(asReply?.conversationId).toBe(CONVERSATION);
    expect(asReply && verifyReplyToken(asReply, SECRET)).toBe(false);
    // A reply address is not read as a consult address, and its signature verifies for no colleague.
    const reply = replyAddressFor(CONVERSATION, SECRET, 'r.test');
    expect(readConsultAddress(reply, 'r.test')).toBeUndefined();
    const asConsult = claimOf(reply.replace(/^reply\+/, 'consult+'));
    expect(verifyConsultToken(asConsult, CAROL, SECRET)).toBe(false);
    expect(verifyConsultToken(asConsult, '', SECRET)).toBe(false);
  });

  it('read nothing from other domains or malformed local parts', () => {
    expect(readConsultAddress('consult+0123abcd4567ef89.abcdef@other.test', 'r.test')).toBeUndefined();
    expect(readConsultAddress('consult+short.abcdef@r.test', 'r.test')).toBeUndefined();
    expect(readConsultAddress('consult+0123abcd4567ef89@r.test', 'r.test')).toBeUndefined();
    expect(readConsultAddress('consult+0123abcd4567ef89.k2.k3.abcdef@r.test', 'r.test')).toBeUndefined();
    expect(readConsultAddress('consult+0123abcd4567ef89.nothex@r.test', 'r.test')).toBeUndefined();
    expect(readConsultAddress('consult+0123abcd4567ef89.k2.abcdef@r.test', 'r.test')).toEqual({
      conversationId: CONVERSATION,
      keyId: 'k2',
      signature: 'abcdef',
    });
  });

  it('name the current key and keep tokens of the previous key working for the grace days only', () => {
    const OLD = 'old-key-old-key-old-key-old-key-old-key';
    const rotated = JSON.stringify({
      current: { id: 'k2', key: 'new-key-new-key-new-key-new-key-new-key' },
      previous: { id: 'k1', key: OLD, retiredAt: '2026-12-01T00:00:00.000Z' },
    });
    const window = (iso: string) => ({ now: new Date(iso), graceDays: 30 });
    const current = consultAddressFor(CONVERSATION, CAROL, rotated, 'r.test');
    expect(current).toMatch(/^consult\+0123abcd4567ef89\.k2\.[a-f0-9]{24}@r\.test$/);
    expect(verifyConsultToken(claimOf(current), CAROL, rotated)).toBe(true);
    const before = claimOf(
      consultAddressFor(CONVERSATION, CAROL, JSON.stringify({ current: { id: 'k1', key: OLD } }), 'r.test'),
    );
    expect(verifyConsultToken(before, CAROL, rotated, window('2026-12-31T00:00:00Z'))).toBe(true);
    expect(verifyConsultToken(before, CAROL, rotated, window('2027-01-01T00:00:01Z'))).toBe(false);
    expect(verifyConsultToken(before, CAROL, rotated)).toBe(false);
    expect(verifyConsultToken({ ...before, keyId: 'k2' }, CAROL, rotated)).toBe(false);
  });

  it('tell which of the colleagues asked a token was handed to', () => {
    const claim = claimOf(consultAddressFor(CONVERSATION, DAVE, SECRET, 'r.test'));
    expect(boundColleague(claim, [CAROL, 'Dave@Example.test'], SECRET)).toBe(DAVE);
    expect(boundColleague(claim, [CAROL], SECRET)).toBeUndefined();
    expect(boundColleague(claim, [], SECRET)).toBeUndefined();
  });
});
