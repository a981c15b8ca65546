import { describe, expect, it } from 'vitest';
import { readReplyAddress, replyAddressFor } from '../../../lib/domain/reply-token.js';
import { checkOwnerReply, type ReceiptVerdicts, routeInbound } from '../../../lib/domain/route-inbound.js';
import type { Conversation } from '../../../lib/domain/types.js';

const PASS: ReceiptVerdicts = { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' };
const SECRET = 'secret-secret-secret-secret';
const conversation: Conversation = {
  id: '0123456789abcdef',
  customerEmail: 'c@y.test',
  ownerEmail: 'o@x.test',
  subject: 's',
  status: 'open',
  createdAt: '',
  updatedAt: '',
  customerThread: [],
  ownerThread: [],
};
const claim = readReplyAddress(replyAddressFor(conversation.id, SECRET, 'r.test'), 'r.test');
if (!claim) throw new Error('no claim');

describe('routeInbound', () => {
  const base = { replyDomain: 'r.test', fromAddress: 'o@x.test', automatic: { automatic: false } as const };

  it('sends automatic mail nowhere before looking at recipients', () => {
    const route = routeInbound({
      ...base,
      recipients: ['reply+x.y@r.test'],
      automatic: { automatic: true, kind: 'auto-reply', reason: 'auto-submitted' },
    });
    expect(route).toMatchObject({ kind: 'automatic', reason: 'auto-submitted' });
  });

  it('treats mail to the reply domain as owner-side and anything else as a customer', () => {
    expect(
      routeInbound({ ...base, recipients: [`reply+${claim.conversationId}.${claim.signature}@r.test`] }),
    ).toMatchObject({ kind: 'owner-side' });
    expect(
      routeInbound({
        ...base,
        recipients: ['support@x.test', `reply+${claim.conversationId}.${claim.signature}@r.test`],
        ownerEmails: new Set(['o@x.test']),
      }),
    ).toMatchObject({ kind: 'owner-side' });
    expect(routeInbound({ ...base, recipients: ['support@x.test'], fromName: 'C' })).toEqual({
      kind: 'customer',
      customerEmail: 'o@x.test',
      customerName: 'C',
    });
    expect(routeInbound({ ...base, recipients: ['junk@r.test'] })).toMatchObject({
      kind: 'rejected',
      reason: 'token-malformed',
    });
    expect(routeInbound({ ...base, fromAddress: undefined, recipients: ['support@x.test'] })).toMatchObject({
      kind: 'rejected',
      reason: 'no-sender',
    });
  });
});

describe('routeInbound: a reply address on Cc of a mail to support', () => {
  const reply = `reply+${claim.conversationId}.${claim.signature}@r.test`;
  const input = {
    replyDomain: 'r.test',
    automatic: { automatic: false } as const,
    ownerEmails: new Set(['o@x.test']),
  };

  it('routes a customer who wrote to support with a reply address on Cc as a customer', () => {
    for (const recipients of [
      ['support@x.test', reply],
      [reply, 'support@x.test'],
    ]) {
      expect(routeInbound({ ...input, recipients, fromAddress: 'c@y.test', fromName: 'C' })).toEqual({
        kind: 'customer',
        customerEmail: 'c@y.test',
        customerName: 'C',
      });
    }
  });

  it('keeps a mail to the reply address alone owner-side, whoever sent it (the owner check decides)', () => {
    expect(routeInbound({ ...input, recipients: [reply], fromAddress: 'c@y.test' })).toMatchObject({
      kind: 'owner-side',
      senderAddress: 'c@y.test',
    });
  });
});

describe('checkOwnerReply', () => {
  const input = { claim, secret: SECRET, conversation, senderAddress: 'o@x.test', verdicts: PASS };

  it('accepts the owner with passing verdicts', () => {
    expect(checkOwnerReply(input)).toMatchObject({ accepted: true });
    expect(checkOwnerReply({ ...input, verdicts: { ...PASS, spf: 'FAIL' } })).toMatchObject({
      accepted: true,
    });
  });

  it.each([
    [{ secret: 'other-secret' }, 'token-invalid'],
    [{ conversation: undefined }, 'conversation-unknown'],
    [{ senderAddress: 'x@x.test' }, 'sender-not-owner'],
    [{ verdicts: { ...PASS, spf: 'FAIL', dkim: 'FAIL' } }, 'sender-unauthenticated'],
    [{ verdicts: { ...PASS, dmarc: 'FAIL' } }, 'sender-unauthenticated'],
    [{ verdicts: { ...PASS, spam: 'FAIL' } }, 'spam'],
    [{ verdicts: { ...PASS, virus: 'FAIL' } }, 'virus'],
  ] as const)('refuses %o with %s', (change, reason) => {
    expect(checkOwnerReply({ ...input, ...change } as typeof input)).toMatchObject({
      accepted: false,
      reason,
    });
  });
});
