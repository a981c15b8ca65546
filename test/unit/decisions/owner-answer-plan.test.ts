import { describe, expect, it } from 'vitest';
import type { Owner } from '../../../lib/domain/types.js';
import { type OwnerAnswerFacts, planOwnerAnswer } from '../../../lib/use-cases/relay-owner-reply.js';
import { commandOf, planOwnerCommand } from '../../../lib/use-cases/run-owner-command.js';
import { ALICE, BOB, CONFIG, conversation, JANE, mail, NOTICE, NOW, SECRET, sent } from './fixtures.js';

const ANSWER = mail({
  messageId: '<answer@owner.test>',
  from: { address: ALICE.email, name: ALICE.name },
  text: 'Your order ships today.',
});

function facts(overrides: Partial<OwnerAnswerFacts> = {}): OwnerAnswerFacts {
  const answer = overrides.mail ?? ANSWER;
  const accepted = overrides.conversation ?? conversation({ participants: ['carol@customer.test'] });
  const sender = { email: ALICE.email, name: ALICE.name, asCover: false };
  return {
    config: CONFIG,
    now: NOW,
    notice: NOTICE,
    mail: answer,
    token: { conversationId: accepted.id, signature: 'sig-abcdef' },
    conversation: accepted,
    asCover: false,
    owner: ALICE,
    writer: ALICE,
    owners: [ALICE, BOB],
    customer: JANE,
    firstResponseSeconds: 90,
    suppression: undefined,
    notes: [],
    remembered: [],
    command: planOwnerCommand({
      config: CONFIG,
      replyTokenSecret: SECRET,
      now: NOW,
      notice: NOTICE,
      mail: answer,
      conversation: accepted,
      sender,
      owners: [ALICE, BOB],
      parsed: commandOf(answer),
    }),
    ...overrides,
  };
}

describe('planOwnerAnswer (pure)', () => {
  it('sends the answer to the customer and the Cc, stores it beside the send, threads and links it after', async () => {
    const plan = await planOwnerAnswer(facts());
    expect(plan.relay?.key).toBe('in-2:customer');
    expect(plan.relay?.mail.envelope).toEqual({
      from: CONFIG.supportAddress,
      to: [JANE.email, 'carol@customer.test'],
    });
    expect(plan.relay?.mail.compose.text).toContain('Your order ships today.');
    expect(plan.relay?.beside).toMatchObject([
      { kind: 'put-message', message: { direction: 'to-customer' } },
    ]);
    const answered = sent('in-2:customer', '<in-2.customer@example.test>');
    expect(plan.relay?.afterSend(answered)).toEqual([
      {
        kind: 'link-message-ids',
        messageIds: [answered.providerMessageId],
        conversationId: 'c-1',
      },
      {
        kind: 'record-threads',
        conversationId: 'c-1',
        add: {
          customerThread: answered.providerMessageId,
          ownerThread: '<answer@owner.test>',
          // The first answer is kept on the conversation, so later answers list no messages for it.
          firstAnswer: { id: 'in-2', at: NOW.toISOString(), seconds: 90 },
        },
        at: NOW.toISOString(),
        seen: { customerThread: ['<first@customer.test>'], ownerThread: ['<relay-1@reply.example.test>'] },
      },
    ]);
    expect(plan.followUps).toBeUndefined();
    expect(plan.outcome(answered)).toMatchObject({
      status: 'relayed-to-customer',
      firstResponseSeconds: 90,
      detail: `sent as ${answered.providerMessageId}`,
    });
  });

  it('tells the owner after the answer when the address bounced before', async () => {
    const plan = await planOwnerAnswer(
      facts({
        suppression: {
          address: JANE.email,
          reason: 'hard-bounce',
          detail: '550',
          at: '2026-11-30T00:00:00Z',
        },
      }),
    );
    expect(plan.relay).toBeDefined();
    expect(plan.followUps?.map((m) => [m.key, m.mail.envelope.to])).toEqual([
      ['notice:suppressed-reply:c-1:2026-11-30T00:00:00Z', [ALICE.email]],
    ]);
  });

  it('sends nothing to the customer for an empty answer and gives the writer their text back', async () => {
    const empty = mail({ from: { address: ALICE.email, name: ALICE.name }, text: '' });
    const plan = await planOwnerAnswer(facts({ mail: empty }));
    expect(plan.relay).toBeUndefined();
    expect(plan.operation?.mails.map((m) => [m.key, m.mail.envelope.to])).toEqual([
      ['notice:unsent:in-2', [ALICE.email]],
    ]);
    expect(plan.outcome()).toMatchObject({ status: 'rejected', reason: 'empty-reply' });
  });

  it('holds an answer that carries a conversation note, and tells its writer', async () => {
    const leaking = mail({
      from: { address: ALICE.email, name: ALICE.name },
      text: 'The supplier owes us 4,000 EUR.',
    });
    const plan = await planOwnerAnswer(facts({ mail: leaking, notes: ['The supplier owes us 4,000 EUR.'] }));
    expect(plan.relay).toBeUndefined();
    expect(plan.outcome()).toMatchObject({ status: 'quarantined', reason: 'internal-trace' });
    expect(plan.operation?.mails.map((m) => m.key)).toEqual(['notice:owner-side:in-2:internal-trace']);
  });

  it('names the mailboxes the answer holds, and holds it once one of them is given as an owner’s', async () => {
    const naming = mail({
      from: { address: ALICE.email, name: ALICE.name },
      text: 'My colleague Dave (dave@example.test) will call you.',
      html: '<p>My colleague Dave (<a href="mailto:dave&#64;example.test">Dave</a>) will call you.</p>',
    });
    // Decided with only the owner and the writer known: it would go, and says whom it names.
    const mailboxes = { seen: new Set<string>(), limit: 40, overflow: false };
    const first = await planOwnerAnswer(facts({ mail: naming, owners: [ALICE], mailboxes }));
    expect(first.relay).toBeDefined();
    expect([...mailboxes.seen]).toEqual(['dave@example.test']);
    // Dave is an owner: decided again with his record, the answer is held.
    const dave: Owner = { ...BOB, email: 'dave@example.test', name: 'Dave' };
    const again = await planOwnerAnswer(facts({ mail: naming, owners: [ALICE, dave] }));
    expect(again.relay).toBeUndefined();
    expect(again.outcome()).toMatchObject({ status: 'quarantined', reason: 'internal-trace' });
    expect(again.outcome().detail).toContain('owner-address in text part ("dave@example.test")');
  });

  it('remembers a covering backup before the answer, signs it as covering, and sends it as text', async () => {
    const remembered = [
      {
        kind: 'record-former-owner' as const,
        conversationId: 'c-1',
        ownerEmail: BOB.email,
        successorEmail: ALICE.email,
        at: NOW.toISOString(),
      },
    ];
    const plan = await planOwnerAnswer(
      facts({
        asCover: true,
        writer: BOB,
        remembered,
        mail: mail({ from: { address: BOB.email, name: BOB.name }, text: 'On it.', html: '<p>On it.</p>' }),
        command: { done: false, text: 'On it.' },
      }),
    );
    expect(plan.operation?.before).toEqual(remembered);
    expect(plan.relay?.mail.compose.text).toContain('covering for Alice Smith');
    expect(plan.relay?.mail.compose.html).toBeUndefined();
    expect(plan.outcome(sent('k', '<x@y>')).detail).toContain(`by ${BOB.email}, covering`);
  });
});

describe('planOwnerCommand (pure)', () => {
  const base = {
    config: CONFIG,
    replyTokenSecret: SECRET,
    now: NOW,
    notice: NOTICE,
    conversation: conversation({ participants: ['carol@customer.test'] }),
    sender: { email: ALICE.email, name: ALICE.name, asCover: false },
    owners: [ALICE, BOB],
  };
  const decide = (text: string, overrides: Partial<typeof base> = {}) => {
    const answer = mail({ from: { address: ALICE.email, name: ALICE.name }, text });
    return planOwnerCommand({ ...base, ...overrides, mail: answer, parsed: commandOf(answer) });
  };

  it('answers a wrong command with the list of commands and sends nothing to the customer', () => {
    const effect = decide('#frobnicate now');
    expect(effect).toMatchObject({ done: true, outcome: { status: 'rejected', reason: 'command-invalid' } });
    if (!effect.done) throw new Error('not done');
    expect(effect.operation.mails.map((m) => [m.key, m.mail.envelope.to])).toEqual([
      ['in-2:command-help', [ALICE.email]],
    ]);
  });

  it('records a note and sends it to nobody', () => {
    const effect = decide('#note the supplier is late');
    expect(effect).toMatchObject({ done: true, outcome: { status: 'noted', reason: 'note' } });
    if (!effect.done) throw new Error('not done');
    expect(effect.operation.before).toMatchObject([{ kind: 'put-message', message: { direction: 'note' } }]);
    expect(effect.operation.mails).toEqual([]);
  });

  it('closes and carries on with the text under #close', () => {
    const effect = decide('#close\nThanks, all done.');
    expect(effect).toMatchObject({ done: false, text: 'Thanks, all done.' });
    expect(effect.operation?.before).toMatchObject([
      { kind: 'update-conversation', change: { status: 'closed' } },
      // Closed, it no longer counts toward its owner's load.
      { kind: 'count-open', conversationId: expect.any(String) },
    ]);
    expect(effect.operation?.before[1]).not.toHaveProperty('ownerEmail');
  });

  it('takes one person off the Cc of the answer that follows', () => {
    const effect = decide('#uncc carol@customer.test\nNoted.');
    expect(effect).toMatchObject({ done: false, participants: [] });
    expect(effect.operation?.before).toMatchObject([
      { kind: 'remove-participant', address: 'carol@customer.test' },
    ]);
  });

  it('lets only the owner set an absence, not the backup', () => {
    const own = decide('#away 2026-12-20 bob@example.test');
    expect(own).toMatchObject({ done: true, outcome: { reason: 'away' } });
    if (!own.done) throw new Error('not done');
    expect(own.operation.before).toMatchObject([
      { kind: 'put-owner', owner: { away: { backupEmail: BOB.email } } },
    ]);
    const backup = decide('#away 2026-12-20 alice@example.test', {
      sender: { email: BOB.email, name: BOB.name, asCover: true },
    });
    expect(backup).toMatchObject({ done: true, outcome: { reason: 'command-invalid' } });
  });

  it('refuses a handoff to the owner who has the customer already', () => {
    expect(decide('#handoff alice@example.test')).toMatchObject({
      done: true,
      outcome: { reason: 'command-invalid', detail: 'this customer is already yours: name another owner' },
    });
  });
});
