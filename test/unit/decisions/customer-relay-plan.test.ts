import { describe, expect, it } from 'vitest';
import { conversationIdFor } from '../../../lib/domain/thread-conversation.js';
import { type CustomerRelayFacts, planCustomerRelay } from '../../../lib/use-cases/relay-customer-mail.js';
import { ALICE, BOB, CONFIG, conversation, JANE, mail, NOTICE, NOW, SECRET, sent } from './fixtures.js';

function facts(overrides: Partial<CustomerRelayFacts> = {}): CustomerRelayFacts {
  return {
    config: CONFIG,
    replyTokenSecret: SECRET,
    now: NOW,
    notice: { ...NOTICE, verdicts: { ...NOTICE.verdicts } },
    mail: mail(),
    customerEmail: JANE.email,
    customerName: 'Jane Doe',
    thread: undefined,
    owners: [ALICE, BOB],
    assigned: { customer: { ...JANE, firstInboundId: NOTICE.inboundId }, owner: ALICE },
    cover: { recipient: ALICE },
    mayGreet: false,
    ...overrides,
  };
}

describe('planCustomerRelay (pure)', () => {
  it('relays a new customer mail to the owner, creating the conversation and storing the message beside the send', () => {
    const plan = planCustomerRelay(facts({ mayGreet: true }));
    expect(plan.relay?.key).toBe('in-2:owner');
    expect(plan.relay?.mail.envelope.to).toEqual([ALICE.email]);
    expect(plan.relay?.mail.envelope.from).toMatch(/@reply\.example\.test$/);
    expect(plan.relay?.mail.fitFrom).toBe(NOTICE.rawKey);
    expect(plan.relay?.beside.map((w) => w.kind)).toEqual([
      'create-conversation',
      'put-message',
      'link-message-ids',
    ]);
    const relayed = sent('in-2:owner', '<in-2.owner@reply.example.test>');
    const id = conversationIdFor(NOTICE.inboundId);
    expect(plan.relay?.afterSend(relayed)).toEqual([
      {
        kind: 'record-threads',
        conversationId: id,
        add: {
          customerThread: '<m-2@customer.test>',
          ownerThread: relayed.providerMessageId,
          reopen: false,
          // The mail waits for an answer: its promise rides in the same write (see promise-plans.test.ts).
          promise: expect.objectContaining({ promiseEpoch: 1 }),
          // The mail that opens a conversation is not counted toward its loop pace (see below).
        },
        at: NOW.toISOString(),
        // The lists and the pace as read, so one write trims a full list and counts the mail.
        seen: { customerThread: [], ownerThread: [], paceWindow: undefined, paceCount: undefined },
      },
      // The new conversation counts toward the owner's load.
      { kind: 'count-open', conversationId: id, ownerEmail: ALICE.email },
    ]);
    // A new customer's assignment already counted it: it is marked, not counted twice.
    const taken = planCustomerRelay(
      facts({
        assigned: {
          customer: { ...JANE, firstInboundId: NOTICE.inboundId },
          owner: ALICE,
          openCountTaken: true,
        },
      }),
    );
    expect(taken.relay?.afterSend(relayed)[1]).toEqual({
      kind: 'count-open',
      conversationId: id,
      ownerEmail: ALICE.email,
      taken: true,
    });
    // The greeting follows the relay, so the outcome is recorded after it.
    expect(plan.followUps?.map((m) => m.key)).toEqual([`first-contact:${JANE.email}`]);
    expect(plan.followUps?.[0]?.ownedByInbound).toBe(true);
    expect(plan.outcome(relayed)).toMatchObject({
      status: 'relayed-to-owner',
      conversationId: id,
      ownerEmail: ALICE.email,
      detail: `sent as ${relayed.providerMessageId}`,
    });
  });

  it('continues an existing conversation: no conversation is created, a closed one is reopened, new Cc people are added first', () => {
    const thread = conversation({ status: 'closed' });
    const plan = planCustomerRelay(
      facts({
        thread,
        mail: mail({ cc: [{ address: 'carol@customer.test', name: 'Carol' }] }),
        assigned: { customer: JANE, owner: ALICE },
      }),
    );
    expect(plan.relay?.beside.map((w) => w.kind)).toEqual(['put-message', 'link-message-ids']);
    expect(plan.operation?.before).toEqual([
      {
        kind: 'add-participants',
        conversationId: 'c-1',
        addresses: ['carol@customer.test'],
        at: NOW.toISOString(),
      },
    ]);
    const [threads, counted] = plan.relay?.afterSend(sent('k', '<x@y>')) ?? [];
    // The relay counts itself in its loop window (10 minutes) with its thread entries.
    expect(threads).toMatchObject({
      kind: 'record-threads',
      add: { reopen: true, paceWindow: Math.floor(Date.parse('2026-12-04T09:59:30.000Z') / 600_000) },
    });
    // Reopened, it counts toward its owner's load again.
    expect(counted).toEqual({ kind: 'count-open', conversationId: 'c-1', ownerEmail: thread.ownerEmail });
    expect(plan.followUps).toBeUndefined();
  });

  it('adds nobody for a sender that did not authenticate, and fills in a missing name only for one that did', () => {
    const unverified = facts({
      notice: {
        ...NOTICE,
        verdicts: { ...NOTICE.verdicts, spf: 'FAIL', dkim: 'FAIL', dmarc: 'GRAY' },
      },
      thread: conversation(),
      mail: mail({ cc: [{ address: 'carol@customer.test', name: 'Carol' }] }),
      assigned: { customer: { ...JANE, name: undefined }, owner: ALICE },
    });
    expect(planCustomerRelay(unverified).operation).toBeUndefined();
    const verified = planCustomerRelay(
      facts({ thread: conversation(), assigned: { customer: { ...JANE, name: undefined }, owner: ALICE } }),
    );
    expect(verified.operation?.before).toEqual([
      { kind: 'fill-customer-name', email: JANE.email, name: 'Jane Doe' },
    ]);
  });

  it('goes to the backup while the owner is away, and the outcome says so', () => {
    const away = {
      ...ALICE,
      away: { since: '2026-12-01T00:00:00.000Z', until: '2026-12-10', backupEmail: BOB.email },
    };
    const plan = planCustomerRelay(facts({ cover: { recipient: BOB, coveringFor: away } }));
    expect(plan.relay?.mail.envelope.to).toEqual([BOB.email]);
    expect(plan.relay?.mail.compose.text).toContain('Alice Smith');
    expect(plan.outcome(sent('k', '<x@y>')).detail).toContain(`to ${BOB.email}, covering`);
  });

  it('relays a mail from someone on Cc in the customer conversation as written by them, to the customer owner', () => {
    const plan = planCustomerRelay(
      facts({
        customerEmail: 'carol@customer.test',
        customerName: 'Carol',
        thread: conversation(),
        assigned: { customer: JANE, owner: ALICE },
        mail: mail({ from: { address: 'carol@customer.test', name: 'Carol' } }),
      }),
    );
    expect(plan.relay?.mail.compose.text).toContain('carol@customer.test');
    expect(plan.outcome(sent('k', '<x@y>'))).toMatchObject({
      customerEmail: JANE.email,
      ownerEmail: ALICE.email,
    });
  });

  it('describes the outcome as asked (an oversize mail says why it was a notice)', () => {
    const plan = planCustomerRelay(facts({ describe: (o) => ({ ...o, reason: 'too-large' }) }));
    expect(plan.outcome(sent('k', '<x@y>')).reason).toBe('too-large');
  });
});
