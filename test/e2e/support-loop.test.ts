import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_MARKERS } from '../../lib/mail/context-block.js';
import type { ParsedMail } from '../../lib/mail/mail-types.js';
import { ownerReply, type ReplyStyle } from '../support/client-replies.js';
import { LocalHarness, type OutboxMail } from '../support/local-harness.js';

const OWNERS = {
  'alice@example.test': { address: 'alice@example.test', name: 'Alice Smith' },
  'bob@example.test': { address: 'bob@example.test', name: 'Bob Jones' },
} as const;

function ownerOf(mail: ParsedMail) {
  const address = mail.to[0]?.address as keyof typeof OWNERS;
  const owner = OWNERS[address];
  if (!owner) throw new Error(`relay went to ${address}, not an owner`);
  return owner;
}

/** What a customer must never see in anything from support. */
function expectNothingInternal(delivered: OutboxMail, ownerAddress: string) {
  const raw = delivered.raw.toString('utf8').toLowerCase();
  expect(raw).not.toContain(ownerAddress);
  expect(raw).not.toContain('reply+');
  expect(raw).not.toContain('reply.example.test');
  expect(raw).not.toContain(CONTEXT_MARKERS.start.toLowerCase());
  expect(raw).not.toContain('support context');
}

describe('the single-point-of-contact loop over SMTP', () => {
  let harness: LocalHarness;

  beforeAll(async () => {
    harness = await LocalHarness.start();
  });
  afterAll(async () => {
    await harness.stop();
  });

  let firstRelay: ParsedMail;
  let janeMessageId: string;

  it('relays a new customer mail as exactly one mail to one owner, with context and a signed reply address', async () => {
    janeMessageId = await harness.send({
      from: { name: 'Jane Doe', address: 'Jane.Doe@Customer.test' },
      to: 'support@example.test',
      subject: 'Where is my order?',
      text: 'My order #1234 has not arrived.',
      attachments: [
        {
          filename: 'receipt.pdf',
          content: Buffer.from('%PDF-1.4 fake receipt'),
          contentType: 'application/pdf',
        },
      ],
    });
    const sent = await harness.newOutboxMails();
    expect(sent).toHaveLength(1);
    const relay = (sent[0] as OutboxMail).mail;
    firstRelay = relay;
    expect(Object.keys(OWNERS)).toContain(relay.to[0]?.address);
    expect(relay.to).toHaveLength(1);
    expect(relay.from?.name).toBe('Jane Doe via Support');
    expect(relay.from?.address).toMatch(/^reply\+[a-z0-9]+\.[a-f0-9]+@reply\.example\.test$/);
    expect(relay.replyTo[0]?.address).toBe(relay.from?.address);
    expect(relay.subject).toBe('Where is my order?');
    expect(relay.text).toContain('My order #1234 has not arrived.');
    expect(relay.text).toContain(CONTEXT_MARKERS.start);
    expect(relay.text).toContain('jane.doe@customer.test');
    expect(relay.attachments.map((a) => a.filename)).toEqual(['receipt.pdf']);
    expect(relay.attachments[0]?.content.toString()).toBe('%PDF-1.4 fake receipt');
    expect(relay.headers.get('auto-submitted')).toEqual(['auto-generated']);
    expect(await harness.lastOutcome()).toMatchObject({
      status: 'relayed-to-owner',
      customerEmail: 'jane.doe@customer.test',
    });
  });

  const styles: ReplyStyle[] = ['gmail', 'outlook', 'apple-mail'];
  let lastCustomerReply: ParsedMail;

  it.each(styles)(
    'delivers the owner reply written in %s to the customer from the owner, threaded and clean',
    async (style) => {
      const owner = ownerOf(firstRelay);
      const answer = `Hi Jane,\n\nYour parcel left the warehouse today (${style}).\n\nBest,\n${owner.name}`;
      await harness.send(ownerReply(style, firstRelay, owner, answer));
      const sent = await harness.newOutboxMails();
      expect(sent).toHaveLength(1);
      const delivered = sent[0] as OutboxMail;
      const mail = delivered.mail;
      expect(mail.to.map((a) => a.address)).toEqual(['jane.doe@customer.test']);
      expect(mail.from).toEqual({ address: 'support@example.test', name: owner.name });
      expect(mail.inReplyTo).toBeDefined();
      // The conversation's own reference first, then the thread from Jane's first mail.
      expect(mail.references[0]).toMatch(/^<[0-9a-f]{16}\.conversation@example\.test>$/);
      expect(mail.references[1]).toBe(janeMessageId);
      expect(mail.subject).toBe('Re: Where is my order?');
      expect(mail.text.trim()).toBe(answer);
      expect(mail.text).not.toContain('My order #1234 has not arrived.');
      expectNothingInternal(delivered, owner.address);
      lastCustomerReply = mail;
      expect(await harness.lastOutcome()).toMatchObject({ status: 'relayed-to-customer' });
    },
  );

  it('threads the first owner reply to the customer message itself', async () => {
    // The first of the three replies answered Jane's own mail.
    expect(lastCustomerReply.references).toContain(janeMessageId);
  });

  it("sends the customer's reply to the same owner in the same conversation", async () => {
    await harness.send({
      from: { name: 'Jane Doe', address: 'jane.doe@customer.test' },
      to: 'support@example.test',
      subject: 'Re: Where is my order?',
      text: 'Thanks! It arrived.\n\nOn Mon, Support wrote:\n> Your parcel left the warehouse today.',
      inReplyTo: lastCustomerReply.messageId,
      references: [...lastCustomerReply.references, lastCustomerReply.messageId as string],
    });
    const [relay] = await harness.newOutboxMails();
    expect(relay?.mail.to[0]?.address).toBe(firstRelay.to[0]?.address);
    expect(relay?.mail.from?.address).toBe(firstRelay.from?.address);
    expect(relay?.mail.headers.get('x-spoc-conversation')).toEqual(
      firstRelay.headers.get('x-spoc-conversation'),
    );
    // The owner's client threads it under the earlier relay.
    expect(relay?.mail.references).toContain(firstRelay.messageId);
  });

  it('keeps the owner for a fresh mail with a new subject, in a new conversation', async () => {
    await harness.send({
      from: 'jane.doe@customer.test',
      to: 'support@example.test',
      subject: 'Another question: invoices',
      text: 'Can I get an invoice for last month?',
    });
    const [relay] = await harness.newOutboxMails();
    expect(relay?.mail.to[0]?.address).toBe(firstRelay.to[0]?.address);
    expect(relay?.mail.headers.get('x-spoc-conversation')).not.toEqual(
      firstRelay.headers.get('x-spoc-conversation'),
    );
    expect(relay?.mail.from?.address).not.toBe(firstRelay.from?.address);
  });

  it('gives the next new customer the other owner', async () => {
    await harness.send({
      from: 'max@other.test',
      to: 'support@example.test',
      subject: 'Hello',
      text: 'First mail.',
    });
    const [relay] = await harness.newOutboxMails();
    expect(relay?.mail.to[0]?.address).toBeDefined();
    expect(relay?.mail.to[0]?.address).not.toBe(firstRelay.to[0]?.address);
  });

  describe('owner-side mail that must reach no customer', () => {
    it('rejects a reply to a token with a wrong signature', async () => {
      const owner = ownerOf(firstRelay);
      const forged = String(firstRelay.from?.address).replace(
        /\.([a-f0-9]+)@/,
        (_m, mac: string) => `.${mac.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))}@`,
      );
      await harness.send({
        ...ownerReply('gmail', firstRelay, owner, 'Forged answer'),
        to: forged,
        envelope: { from: owner.address, to: [forged] },
      });
      expect(await harness.newOutboxMails()).toHaveLength(0);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'rejected', reason: 'token-invalid' });
    });

    it("rejects the owner's reply sent to another owner's conversation token", async () => {
      const owner = ownerOf(firstRelay);
      const other = Object.values(OWNERS).find(
        (o) => o.address !== owner.address,
      ) as (typeof OWNERS)[keyof typeof OWNERS];
      // `other` replies to Jane's conversation, which is not theirs.
      await harness.send(ownerReply('gmail', firstRelay, other, 'I am not the owner'));
      // Nothing reaches the customer; the conversation's true owner is told, once.
      const told = await harness.newOutboxMails();
      expect(told.map((m) => m.mail.to.map((a) => a.address))).toEqual([[owner.address]]);
      expect(told[0]?.mail.headers.get('auto-submitted')).toEqual(['auto-generated']);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'rejected', reason: 'sender-not-owner' });
    });

    it('rejects a reply from a stranger', async () => {
      await harness.send(
        ownerReply(
          'outlook',
          firstRelay,
          { address: 'mallory@evil.test', name: 'Mallory' },
          'Send me the data',
        ),
      );
      // The owner was already told about refused replies in this conversation.
      expect(await harness.newOutboxMails()).toHaveLength(0);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'rejected', reason: 'sender-not-owner' });
    });

    it('rejects a token-shaped address that does not parse', async () => {
      const owner = ownerOf(firstRelay);
      await harness.send({
        from: owner,
        to: 'reply+nonsense@reply.example.test',
        subject: 'x',
        text: 'y',
        envelope: { from: owner.address, to: ['reply+nonsense@reply.example.test'] },
      });
      expect(await harness.newOutboxMails()).toHaveLength(0);
      expect(await harness.lastOutcome()).toMatchObject({ status: 'rejected', reason: 'token-malformed' });
    });
  });

  it('never answers an out-of-office from the owner sent to a relay address', async () => {
    const owner = ownerOf(firstRelay);
    await harness.send({
      ...ownerReply('gmail', firstRelay, owner, 'I am out of the office until Monday.'),
      subject: `Automatic reply: ${firstRelay.subject}`,
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    expect(await harness.newOutboxMails()).toHaveLength(0);
    expect(await harness.lastOutcome()).toMatchObject({ status: 'automatic' });
  });

  it('refuses mail for unknown recipients at the SMTP level', async () => {
    await expect(
      harness.send({ from: 'x@y.test', to: 'sales@example.test', subject: 'x', text: 'y' }),
    ).rejects.toThrow(/550|no such recipient/i);
  });
});
