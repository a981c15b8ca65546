import { describe, expect, it } from 'vitest';
import { admitParticipants, isAutomaticMailbox, newParticipants } from '../../../lib/domain/participants.js';
import { pickConversation } from '../../../lib/domain/thread-conversation.js';
import type { Conversation } from '../../../lib/domain/types.js';

const base = {
  senderEmail: 'jane@customer.test',
  customerEmail: 'jane@customer.test',
  supportAddress: 'support@example.test',
  replyDomain: 'reply.example.test',
  ownerEmails: new Set(['alice@example.test']),
  known: [] as string[],
};

describe('newParticipants', () => {
  it('keeps people on To/Cc except the support address, reply addresses, owners and the customer', () => {
    expect(
      newParticipants({
        ...base,
        recipients: [
          'support@example.test',
          'Carol@Customer.test',
          'reply+abc.def@reply.example.test',
          'alice@example.test',
          'jane@customer.test',
          'dave@partner.test',
          'carol@customer.test',
        ],
      }),
    ).toEqual(['carol@customer.test', 'dave@partner.test']);
  });

  it('returns only people not yet on the conversation; a participant writing does not add themself', () => {
    expect(
      newParticipants({
        ...base,
        senderEmail: 'carol@customer.test',
        known: ['carol@customer.test'],
        recipients: ['carol@customer.test', 'jane@customer.test', 'erin@customer.test'],
      }),
    ).toEqual(['erin@customer.test']);
  });
});

describe('participants from automatic and list addresses', () => {
  it('never adds a machine mailbox or an address the automatic header fields name', () => {
    expect(
      newParticipants({
        ...base,
        automatic: new Set(['srs0=ab@fwd.test']),
        recipients: [
          'team-bounces@lists.test',
          'owner-team@lists.test',
          'team-request@lists.test',
          'MAILER-DAEMON@partner.test',
          'no-reply@partner.test',
          'srs0=ab@fwd.test',
          'owner@partner.test',
          'bounce.hunter@partner.test',
        ],
      }),
    ).toEqual(['owner@partner.test', 'bounce.hunter@partner.test']);
    expect(isAutomaticMailbox('list+bounces@x.test')).toBe(true);
    expect(isAutomaticMailbox('carol@x.test')).toBe(false);
  });

  it('admits new participants up to the cap and refuses the rest', () => {
    const known = Array.from({ length: 8 }, (_, i) => `k${i}@x.test`);
    expect(admitParticipants(known, ['a@x.test', 'b@x.test', 'c@x.test'], 10)).toEqual({
      added: ['a@x.test', 'b@x.test'],
      refused: ['c@x.test'],
    });
    expect(admitParticipants([...known, 'a@x.test', 'b@x.test'], ['c@x.test'], 10).added).toEqual([]);
  });
});

describe('pickConversation with participants', () => {
  const conversation = {
    id: 'conv1',
    customerEmail: 'jane@customer.test',
    participants: ['carol@customer.test'],
  } as Conversation;
  const of = new Map([['<m1@x>', 'conv1']]);
  const conversations = new Map([['conv1', conversation]]);

  it('threads a participant into the conversation they are on', () => {
    expect(pickConversation(['<m1@x>'], of, conversations, 'carol@customer.test')).toBe(conversation);
  });

  it('never threads a stranger in through a forwarded reference', () => {
    expect(pickConversation(['<m1@x>'], of, conversations, 'mallory@evil.test')).toBeUndefined();
  });
});
