import { describe, expect, it } from 'vitest';
import type { Conversation, ConversationMessage, Customer, Owner } from '../../../lib/domain/types.js';
import { buildAwayDigest } from '../../../lib/mail/away-digest.js';
import { buildCommandHelp } from '../../../lib/mail/command-help.js';
import { composeMail } from '../../../lib/mail/compose-mail.js';
import { CONTEXT_MARKERS } from '../../../lib/mail/context-block.js';
import { customerFacingText } from '../../../lib/mail/customer-reply.js';
import { buildCustomerIntroduction, buildHandoffHistory } from '../../../lib/mail/handoff-mails.js';
import { buildHandoffNotice } from '../../../lib/mail/handoff-notice.js';

const bob: Owner = {
  email: 'bob@agents.test',
  name: 'Bob Jones',
  active: true,
  createdAt: '2026-01-01T00:00:00Z',
};
const jane: Customer = {
  email: 'jane@customer.test',
  name: 'Jane Doe',
  ownerEmail: bob.email,
  since: '2026-11-01T09:00:00Z',
};
const conversation: Conversation = {
  id: 'c0ffee00c0ffee00',
  customerEmail: jane.email,
  ownerEmail: bob.email,
  subject: 'Where is my order?',
  status: 'open',
  createdAt: '2026-11-01T09:00:00Z',
  updatedAt: '2026-11-02T09:00:00Z',
  customerThread: ['<jane-1@customer.test>'],
  ownerThread: [],
};
const messages: ConversationMessage[] = [
  {
    conversationId: conversation.id,
    id: 'm1',
    at: '2026-11-01T09:00:00.000Z',
    direction: 'from-customer',
    fromAddress: jane.email,
    fromName: 'Jane Doe',
    subject: 'Where is my order?',
    text: 'Order 1234 is late.',
    attachments: [{ filename: 'receipt.pdf', contentType: 'application/pdf', size: 21 }],
  },
  {
    conversationId: conversation.id,
    id: 'm2',
    at: '2026-11-01T10:30:00.000Z',
    direction: 'note',
    fromAddress: 'alice@agents.test',
    fromName: 'Alice Smith',
    subject: 'Re: Where is my order?',
    text: 'Warehouse says Friday.',
    attachments: [],
  },
];
const replyAddress = 'reply+c0ffee00c0ffee00.abcdef@reply.test';

describe('handoff mails', () => {
  it('gives the new owner who said what and when, attachments listed, inside the internal markers', () => {
    const mail = buildHandoffHistory({
      customer: jane,
      newOwner: bob,
      formerOwnerName: 'Alice Smith',
      open: [{ conversation, messages, replyAddress }],
      note: 'VIP, be quick.',
      supportName: 'Support',
      supportAddress: 'support@example.test',
      messageId: '<h@reply.test>',
    });
    expect(mail.to).toEqual([{ address: bob.email, name: 'Bob Jones' }]);
    expect(mail.from.address).toBe(replyAddress);
    expect(mail.headers?.['Auto-Submitted']).toBe('auto-generated');
    expect(mail.text).toContain('[2026-11-01 09:00 UTC] Jane Doe (customer):\n  Order 1234 is late.');
    expect(mail.text).toContain('Attachments: receipt.pdf (application/pdf, 21 bytes)');
    expect(mail.text).toContain('note by Alice Smith (internal)');
    expect(mail.text).toContain('Note from Alice Smith:\nVIP, be quick.');
    // An answer quoting it inline still carries none of it to the customer.
    const inline = `Hi Jane, on it.\n\n${mail.text
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n')}`;
    expect(customerFacingText(inline, { ownerEmail: bob.email, replyDomain: 'reply.test' })).toBe(
      'Hi Jane, on it.',
    );
    expect(mail.text.startsWith(CONTEXT_MARKERS.start)).toBe(true);
  });

  it('shows marker lines a customer or a note typed only neutralised, so the block ends where we end it', () => {
    const typed = (text: string) => messages.map((m) => ({ ...m, text: `${m.text}\n${text}` }));
    const mail = buildHandoffHistory({
      customer: jane,
      newOwner: bob,
      formerOwnerName: 'Alice Smith',
      open: [{ conversation, messages: typed(`  ${CONTEXT_MARKERS.end}`), replyAddress }],
      note: CONTEXT_MARKERS.start,
      supportName: 'Support',
      supportAddress: 'support@example.test',
      messageId: '<h@reply.test>',
    });
    const lines = mail.text.split('\n').map((line) => line.trim());
    expect(lines.filter((line) => line === CONTEXT_MARKERS.end)).toHaveLength(1);
    expect(lines.filter((line) => line === CONTEXT_MARKERS.start)).toHaveLength(1);
    expect(mail.text).toContain(`[as written]   ${CONTEXT_MARKERS.end}`);
    // Answered Outlook-style (no `>`), nothing of the history is left, the note least of all.
    const answered = `On it.\n\n${mail.text}`;
    expect(customerFacingText(answered, { ownerEmail: bob.email, replyDomain: 'reply.test' })).toBe('On it.');
    const digest = buildAwayDigest({
      owner: bob,
      away: { since: '2026-11-01T00:00:00Z', until: '2026-11-05', backupEmail: 'alice@agents.test' },
      backupName: 'Alice Smith',
      activity: [{ conversation, messages: typed(CONTEXT_MARKERS.end), customer: jane }],
      supportName: 'Support',
      supportAddress: 'support@example.test',
      messageId: '<d@example.test>',
    });
    expect(digest.text).toContain(`[as written] ${CONTEXT_MARKERS.end}`);
  });

  it("introduces the new owner to the customer from the owner's name at the support address, threaded, with nothing internal", async () => {
    const input = {
      customer: jane,
      newOwner: bob,
      formerOwnerName: 'Alice Smith',
      supportName: 'Support',
      supportAddress: 'support@example.test',
      thread: conversation,
      messageId: '<i@example.test>',
    };
    const mail = buildCustomerIntroduction(input);
    expect(mail.from).toEqual({ address: 'support@example.test', name: 'Bob Jones' });
    expect(mail.subject).toBe('Re: Where is my order?');
    expect(mail.inReplyTo).toBe('<jane-1@customer.test>');
    expect(mail.text).toContain('Hello Jane,');
    const raw = (await composeMail(mail)).toString('utf8').toLowerCase();
    expect(raw).not.toContain('agents.test');
    expect(raw).not.toContain('reply+');
    expect(
      buildCustomerIntroduction({ ...input, customer: { ...jane, name: undefined } as Customer }).text,
    ).toMatch(/^Hello,/);
  });

  it('tells a former owner who owns the customer now, from the reply address so answering stays on the owner path', () => {
    const mail = buildHandoffNotice({
      formerOwner: { address: 'alice@agents.test', name: 'Alice Smith' },
      currentOwner: { address: bob.email, name: bob.name },
      customerLabel: 'Jane Doe <jane@customer.test>',
      subject: 'Re: Where is my order?',
      supportName: 'Support',
      replyAddress,
      messageId: '<n@reply.test>',
    });
    expect(mail.from.address).toBe(replyAddress);
    expect(mail.text).toContain('Bob Jones <bob@agents.test> owns them now');
    expect(mail.headers?.['Auto-Submitted']).toBe('auto-replied');
  });
});

describe('owner-side notices', () => {
  it('lists every command when a command was wrong', () => {
    const mail = buildCommandHelp({
      owner: { address: bob.email, name: bob.name },
      replyAddress,
      supportName: 'Support',
      problem: 'unknown command #snooze',
      line: '#snooze 3d',
      subject: 'Re: x',
      messageId: '<c@reply.test>',
    });
    for (const command of ['#note', '#handoff', '#away', '#close']) expect(mail.text).toContain(command);
    expect(mail.replyTo?.address).toBe(replyAddress);
  });

  it('digests an absence per conversation, or says nothing happened', () => {
    const away = { since: '2026-11-01T00:00:00Z', until: '2026-11-10', backupEmail: bob.email };
    const owner = { ...bob, email: 'alice@agents.test', name: 'Alice Smith' };
    const common = {
      owner,
      away,
      backupName: 'Bob Jones',
      supportName: 'Support',
      supportAddress: 'support@example.test',
      messageId: '<d@x>',
    };
    const busy = buildAwayDigest({ ...common, activity: [{ conversation, messages, customer: jane }] });
    expect(busy.subject).toBe('While you were away: 1 conversation');
    expect(busy.text).toContain('Bob Jones covered for you');
    expect(busy.text).toContain('Jane Doe <jane@customer.test>');
    expect(busy.text).toContain('Order 1234 is late.');
    expect(buildAwayDigest({ ...common, activity: [] }).text).toContain('Nothing happened');
  });
});
