import { describe, expect, it } from 'vitest';
import { consultAddressFor, readConsultAddress } from '../../../lib/domain/consult-token.js';
import { replyAddressFor } from '../../../lib/domain/reply-token.js';
import { checkConsultAnswer, type ReceiptVerdicts, routeInbound } from '../../../lib/domain/route-inbound.js';
import type { Conversation } from '../../../lib/domain/types.js';

const PASS: ReceiptVerdicts = { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' };
const SECRET = 'secret-secret-secret-secret';
const conversation: Conversation = {
  id: '0123456789abcdef',
  customerEmail: 'jane@customer.test',
  ownerEmail: 'alice@x.test',
  subject: 'Order',
  status: 'open',
  createdAt: '',
  updatedAt: '',
  customerThread: [],
  ownerThread: [],
};
const CAROL = 'carol@x.test';
const consultAddress = consultAddressFor(conversation.id, CAROL, SECRET, 'r.test');
const claim = readConsultAddress(consultAddress, 'r.test');
if (!claim) throw new Error('no claim');
const replyAddress = replyAddressFor(conversation.id, SECRET, 'r.test');

describe('routeInbound: consult addresses', () => {
  const base = {
    replyDomain: 'r.test',
    automatic: { automatic: false } as const,
    ownerEmails: new Set(['alice@x.test']),
  };

  it('routes mail to a consult address as a colleague answer, whoever sent it (the check decides)', () => {
    for (const fromAddress of [CAROL, 'jane@customer.test', 'alice@x.test']) {
      expect(routeInbound({ ...base, recipients: [consultAddress.toUpperCase()], fromAddress })).toEqual({
        kind: 'consult-answer',
        claim,
        senderAddress: fromAddress,
      });
    }
  });

  it('lets a consult address win over a reply address beside it: it leads only to the owner', () => {
    for (const recipients of [
      [replyAddress, consultAddress],
      [consultAddress, replyAddress],
    ]) {
      expect(routeInbound({ ...base, recipients, fromAddress: CAROL })).toMatchObject({
        kind: 'consult-answer',
      });
    }
    // A reply address alone stays an owner reply.
    expect(routeInbound({ ...base, recipients: [replyAddress], fromAddress: CAROL })).toMatchObject({
      kind: 'owner-side',
    });
  });

  it('refuses a consult address without a sender or with a malformed token', () => {
    expect(routeInbound({ ...base, recipients: [consultAddress] })).toMatchObject({
      kind: 'rejected',
      reason: 'no-sender',
    });
    expect(
      routeInbound({ ...base, recipients: ['consult+nonsense@r.test'], fromAddress: CAROL }),
    ).toMatchObject({ kind: 'rejected', reason: 'token-malformed' });
  });

  it('keeps a customer who wrote to support with a consult address on Cc a customer', () => {
    expect(
      routeInbound({
        ...base,
        recipients: ['support@x.test', consultAddress],
        fromAddress: 'jane@customer.test',
        fromName: 'Jane',
      }),
    ).toEqual({ kind: 'customer', customerEmail: 'jane@customer.test', customerName: 'Jane' });
  });

  it('marks automatic mail to a consult address with its claim, so the owner can be told', () => {
    const automatic = { automatic: true, kind: 'auto-reply', reason: 'auto-submitted' } as const;
    expect(routeInbound({ ...base, automatic, recipients: [consultAddress], fromAddress: CAROL })).toEqual({
      kind: 'automatic',
      reason: 'auto-submitted',
      automaticKind: 'auto-reply',
      consult: claim,
    });
    expect(
      routeInbound({ ...base, automatic, recipients: [replyAddress], fromAddress: CAROL }),
    ).not.toHaveProperty('consult');
  });
});

describe('checkConsultAnswer', () => {
  const input = {
    claim,
    secret: SECRET,
    conversation,
    colleagues: ['dave@x.test', 'Carol@X.test'],
    senderAddress: CAROL,
    verdicts: PASS,
  };

  it('accepts the colleague the token was handed to, authenticated, and names the conversation', () => {
    expect(checkConsultAnswer(input)).toEqual({ accepted: true, conversation, colleague: CAROL });
    expect(checkConsultAnswer({ ...input, senderAddress: 'CAROL@x.test' })).toMatchObject({ accepted: true });
  });

  it.each([
    [{ senderAddress: 'jane@customer.test' }, 'sender-not-colleague', true],
    [{ senderAddress: 'dave@x.test' }, 'sender-not-colleague', true],
    [{ senderAddress: 'alice@x.test' }, 'sender-not-colleague', true],
    [{ verdicts: { ...PASS, spf: 'FAIL', dkim: 'FAIL' } }, 'sender-unauthenticated', true],
    [{ verdicts: { ...PASS, dmarc: 'FAIL' } }, 'sender-unauthenticated', true],
    [{ verdicts: { ...PASS, spam: 'FAIL' } }, 'spam', true],
    [{ verdicts: { ...PASS, virus: 'FAIL' } }, 'virus', true],
    [{ colleagues: ['dave@x.test'] }, 'token-invalid', false],
    [{ secret: 'other-secret' }, 'token-invalid', false],
    [{ conversation: undefined }, 'conversation-unknown', false],
  ] as const)('refuses %o with %s (owner told: %s)', (change, reason, tellOwner) => {
    expect(checkConsultAnswer({ ...input, ...change } as typeof input)).toMatchObject({
      accepted: false,
      reason,
      tellOwner,
    });
  });

  it('refuses a mail with two senders before asking who they are, and authenticates like owner mail', () => {
    const sender = {
      fromFields: 1,
      fromAddresses: [CAROL, 'mallory@evil.test'],
      envelopeFrom: CAROL,
    };
    expect(checkConsultAnswer({ ...input, sender })).toMatchObject({
      accepted: false,
      reason: 'sender-ambiguous',
    });
    // SPF passing for another domain than the From domain, no DMARC: not the colleague.
    const forged = {
      fromFields: 1,
      fromAddresses: [CAROL],
      envelopeFrom: 'bounce@evil.test',
      authenticationResults: 'amazonses.com; spf=pass smtp.mailfrom=evil.test; dkim=none; dmarc=none',
    };
    expect(
      checkConsultAnswer({
        ...input,
        sender: forged,
        verdicts: { ...PASS, dkim: 'GRAY', dmarc: 'GRAY' },
      }),
    ).toMatchObject({ accepted: false, reason: 'sender-unauthenticated', tellOwner: true });
    const aligned = { ...forged, envelopeFrom: 'bounce@x.test', authenticationResults: undefined };
    expect(
      checkConsultAnswer({ ...input, sender: aligned, verdicts: { ...PASS, dkim: 'GRAY', dmarc: 'GRAY' } }),
    ).toMatchObject({ accepted: true });
  });
});
