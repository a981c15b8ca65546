import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { CONTEXT_MARKERS } from '../../lib/mail/context-block.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, rawMail } from '../support/mail-builder.js';

const SUPPORT = ['support@example.test'];
const FORGED = { spf: 'FAIL', dkim: 'FAIL', dmarc: 'FAIL' } as const;
const GRAY = { spf: 'GRAY', dkim: 'GRAY', dmarc: 'GRAY' } as const;

const contextOf = (relay: CapturedMail) => {
  const text = relay.mail.text;
  return text.slice(text.indexOf(CONTEXT_MARKERS.start), text.indexOf(CONTEXT_MARKERS.end));
};
const isNotice = (mail: CapturedMail) => mail.mail.subject.startsWith('[Support]');
const isGreeting = (mail: CapturedMail) => mail.mail.headers.get('auto-submitted')?.[0] === 'auto-replied';

describe('who may join a conversation: forged mail, participants and first contact', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines, { config: { firstContact: { enabled: true } } });
  });
  afterAll(async () => {
    await engines.close();
  });

  it('holds a forged customer mail that tries to put an attacker on Cc; the owner is told once', async () => {
    const jane = 'jane@customer.test';
    const first = await customerMail(jane, 'Broken order', 'The box was empty.', {
      messageId: '<first.jane@customer.test>',
    });
    await rig.deliver(first, { from: jane, to: SUPPORT });
    const relay = rig.sender.mails.find((m) => m.mail.to[0]?.address !== jane) as CapturedMail;
    const owner = relay.envelope.to[0] as string;
    const before = rig.sender.mails.length;

    for (let i = 0; i < 2; i += 1) {
      const forged = await customerMail(jane, 'Re: Broken order', 'Please copy my colleague.', {
        cc: 'mallory@evil.test',
        inReplyTo: '<first.jane@customer.test>',
        references: ['<first.jane@customer.test>'],
      });
      const { outcome } = await rig.deliver(forged, { from: jane, to: SUPPORT }, { verdicts: FORGED });
      expect(outcome).toMatchObject({ status: 'quarantined', reason: 'forged-sender', ownerEmail: owner });
    }
    const sent = rig.sender.mails.slice(before);
    // One line to the owner, nothing relayed, nobody added.
    expect(sent).toHaveLength(1);
    expect(sent[0]?.envelope.to).toEqual([owner]);
    expect(sent[0]?.mail.text).toContain('failed authentication');
    const [conversation] = await rig.deps.store.listConversations(jane);
    expect(conversation?.participants ?? []).toEqual([]);

    // The owner's next answer goes to Jane alone.
    const answer = await ownerAnswer(relay, owner, 'A new box is on its way.');
    await rig.deliver(answer, { from: owner, to: [relay.mail.replyTo[0]?.address as string] });
    const toJane = rig.sender.mails.at(-1) as CapturedMail;
    expect(toJane.envelope.to).toEqual([jane]);
    expect(toJane.raw.toString('utf8')).not.toContain('mallory');
  });

  it('relays an unauthenticated (not failing) mail, but it adds nobody and is not greeted', async () => {
    const ken = 'ken@customer.test';
    const before = rig.sender.mails.length;
    const { outcome } = await rig.deliver(
      await customerMail(ken, 'Hello', 'Question.', { cc: 'lou@customer.test' }),
      { from: ken, to: SUPPORT },
      { verdicts: GRAY },
    );
    expect(outcome?.status).toBe('relayed-to-owner');
    const sent = rig.sender.mails.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent.some(isGreeting)).toBe(false);
    const [conversation] = await rig.deps.store.listConversations(ken);
    expect(conversation?.participants ?? []).toEqual([]);
  });

  it('never takes mail from the support address or the reply domain as a customer', async () => {
    const before = rig.sender.mails.length;
    for (const from of ['support@example.test', 'reply+x.y@reply.example.test']) {
      const raw = await rawMail({
        from: { name: 'Alice Smith', address: from },
        to: SUPPORT,
        subject: 'URGENT: verify at https://evil.example/login',
        text: 'x',
      });
      const { outcome } = await rig.deliver(raw, { from, to: SUPPORT });
      expect(outcome).toMatchObject({ status: 'rejected', reason: 'own-address' });
    }
    expect(rig.sender.mails.length).toBe(before);
  });

  it('greets a new sender without repeating a display name or subject that carries a link', async () => {
    const from = 'nina@customer.test';
    const raw = await rawMail({
      from: { name: 'URGENT: your account is locked, verify at https://evil.example/login', address: from },
      to: SUPPORT,
      subject: 'Your account: verify at evil.example/login now',
      text: 'x',
    });
    await rig.deliver(raw, { from, to: SUPPORT });
    const greeting = rig.sender.to(from).find(isGreeting) as CapturedMail;
    expect(greeting.mail.text).toContain('Hello there,');
    expect(greeting.mail.subject).toBe('Re: your message');
    expect(greeting.raw.toString('utf8')).not.toMatch(/evil|URGENT/);
  });

  it('records an owner’s own mail to the support address (an auto-reply to a notice) and relays nothing', async () => {
    const before = rig.sender.mails.length;
    const raw = await customerMail('bob@example.test', 'I am away', 'Back on Monday.');
    const { outcome } = await rig.deliver(raw, { from: 'bob@example.test', to: SUPPORT });
    expect(outcome).toMatchObject({ status: 'rejected', reason: 'sender-is-owner' });
    expect(rig.sender.mails.length).toBe(before);
    expect(await rig.deps.store.getCustomer('bob@example.test')).toBeUndefined();
  });

  it('fills in the display name a first address-only mail left empty', async () => {
    const omar = 'omar@customer.test';
    await rig.deliver(await customerMail(omar, 'First', 'x'), { from: omar, to: SUPPORT });
    expect((await rig.deps.store.getCustomer(omar))?.name ?? '').toBe('');
    await rig.deliver(await customerMail(`"Omar Diaz" <${omar}>`, 'Second', 'y'), {
      from: omar,
      to: SUPPORT,
    });
    expect((await rig.deps.store.getCustomer(omar))?.name).toBe('Omar Diaz');
    const relay = rig.sender.mails.at(-1) as CapturedMail;
    expect(contextOf(relay)).toContain(`Customer: Omar Diaz <${omar}>`);
    // A later name does not replace the stored one.
    await rig.deliver(await customerMail(`"Someone Else" <${omar}>`, 'Third', 'z'), {
      from: omar,
      to: SUPPORT,
    });
    expect((await rig.deps.store.getCustomer(omar))?.name).toBe('Omar Diaz');
  });

  it('never adds a list or bounce address, shows new Cc in the context block and keeps at most ten', async () => {
    const pia = 'pia@customer.test';
    const cc = Array.from({ length: 12 }, (_, i) => `p${i}@partner.test`);
    // A forwarder's envelope sender and an Errors-To address on Cc are machinery, not people.
    const raw = await customerMail(pia, 'Team', 'See Cc.', {
      cc: [
        'team-bounces@lists.test',
        'mailer-daemon@partner.test',
        'srs0=ab@fwd.test',
        'errs@lists.test',
        ...cc,
      ],
      headers: { 'Errors-To': 'errs@lists.test' },
    });
    await rig.deliver(raw, { from: 'srs0=ab@fwd.test', to: SUPPORT });
    const relay = rig.sender.mails.find((m) => m.mail.subject === 'Team') as CapturedMail;
    const [conversation] = await rig.deps.store.listConversations(pia);
    expect(conversation?.participants).toEqual(cc.slice(0, 10));
    expect(contextOf(relay)).toContain(`New on Cc with this mail: ${cc.slice(0, 10).join(', ')}`);
    expect(contextOf(relay)).toContain(
      `Not added to Cc (the conversation has the most it keeps): ${cc.slice(10).join(', ')}`,
    );
  });

  it('lets the owner take one person off the Cc with #uncc; the answer below goes without them', async () => {
    const pia = 'pia@customer.test';
    const relay = rig.sender.mails.find((m) => m.mail.subject === 'Team') as CapturedMail;
    const owner = relay.envelope.to[0] as string;
    const answer = await ownerAnswer(relay, owner, '#uncc P0@partner.test\nHere is the plan for all of you.');
    const { outcome } = await rig.deliver(answer, {
      from: owner,
      to: [relay.mail.replyTo[0]?.address as string],
    });
    expect(outcome?.status).toBe('relayed-to-customer');
    const sent = rig.sender.mails.at(-1) as CapturedMail;
    expect(sent.envelope.to).toContain(pia);
    expect(sent.envelope.to).not.toContain('p0@partner.test');
    expect(sent.envelope.to).toContain('p1@partner.test');
    expect(sent.mail.text).not.toContain('#uncc');
    const [conversation] = await rig.deps.store.listConversations(pia);
    expect(conversation?.participants).not.toContain('p0@partner.test');
    expect(conversation?.participants).toHaveLength(9);
  });
});

describe('floods of new senders and loops in one conversation', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines, {
      config: {
        firstContact: { enabled: true },
        limits: {
          maxMessageBytes: 40 * 1024 * 1024,
          maxMailsPerSenderPerHour: 100,
          maxNewCustomersPerHour: 3,
          loopMailsPerConversation: 4,
        },
      },
    });
  });
  afterAll(async () => {
    await engines.close();
  });

  it('holds new senders beyond the hourly cap; known customers still get through', async () => {
    const outcomes = [];
    for (let i = 0; i < 5; i += 1) {
      const from = `new${i}@flood.test`;
      outcomes.push((await rig.deliver(await customerMail(from, 'Hi', 'x'), { from, to: SUPPORT })).outcome);
    }
    expect(outcomes.map((o) => `${o?.status}/${o?.reason ?? ''}`)).toEqual([
      'relayed-to-owner/',
      'relayed-to-owner/',
      'relayed-to-owner/',
      'quarantined/new-customer-cap',
      'quarantined/new-customer-cap',
    ]);
    // 3 relays and 3 greetings; nothing for the held ones.
    expect(rig.sender.mails).toHaveLength(6);
    expect(await rig.deps.store.getCustomer('new4@flood.test')).toBeUndefined();
    const { outcome } = await rig.deliver(await customerMail('new0@flood.test', 'Again', 'y'), {
      from: 'new0@flood.test',
      to: SUPPORT,
    });
    expect(outcome?.status).toBe('relayed-to-owner');
  });

  it('ends a conversation whose customer side writes faster than a person, and tells its owner once', async () => {
    const from = 'new1@flood.test';
    const [conversation] = await rig.deps.store.listConversations(from);
    const opening = (await rig.deps.store.listMessages(conversation?.id as string))[0]
      ?.rfcMessageId as string;
    const before = rig.sender.mails.length;
    const outcomes = [];
    for (let i = 0; i < 8; i += 1) {
      const raw = await customerMail(from, 'Re: Hi', `auto ${i}`, {
        inReplyTo: opening,
        references: [opening],
      });
      outcomes.push((await rig.deliver(raw, { from, to: SUPPORT })).outcome);
    }
    expect(outcomes.map((o) => o?.reason ?? o?.status)).toEqual([
      'relayed-to-owner',
      'relayed-to-owner',
      'relayed-to-owner',
      'relayed-to-owner',
      'loop-ended',
      'loop-ended',
      'loop-ended',
      'loop-ended',
    ]);
    const sent = rig.sender.mails.slice(before);
    expect(sent.filter(isNotice)).toHaveLength(1);
    expect(sent.filter(isNotice)[0]?.mail.subject).toContain('mail loop');
    expect(sent.filter((m) => !isNotice(m))).toHaveLength(4);
    expect((await rig.deps.store.getConversation(conversation?.id as string))?.loopEndedAt).toBeDefined();
  });
});

describe('another instance of this inbox on Cc, with owners’ unmarked auto-responders', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines, {
      config: {
        limits: {
          maxMessageBytes: 40 * 1024 * 1024,
          maxMailsPerSenderPerHour: 100,
          loopMailsPerConversation: 4,
        },
      },
    });
  });
  afterAll(async () => {
    await engines.close();
  });

  it('ends the ping-pong after a few rounds instead of an hour of copies, and tells the owner once', async () => {
    const jane = 'jane@customer.test';
    const other = 'support@other-inbox.test';
    const opening = await customerMail(jane, 'Invoice', 'See the other team on Cc.', {
      cc: other,
      messageId: '<open.jane@customer.test>',
    });
    await rig.deliver(opening, { from: jane, to: SUPPORT });
    let relay = rig.sender.mails.at(-1) as CapturedMail;
    const owner = relay.envelope.to[0] as string;
    const outcomes: string[] = [];
    for (let round = 0; round < 12; round += 1) {
      // The other inbox relays our answer to its owner, whose auto-responder answers; that answer
      // reaches us as mail from the other inbox's address, a participant of Jane's conversation.
      const echo = await rawMail({
        from: { name: 'Other Owner', address: other },
        to: jane,
        cc: 'support@example.test',
        subject: 'Re: Invoice',
        text: `I am out of the office (round ${round}).`,
        inReplyTo: '<open.jane@customer.test>',
        references: ['<open.jane@customer.test>'],
      });
      const { outcome } = await rig.deliver(echo, { from: other, to: SUPPORT });
      outcomes.push(outcome?.reason ?? outcome?.status ?? '');
      if (outcome?.status !== 'relayed-to-owner') continue;
      relay = rig.sender.mails.at(-1) as CapturedMail;
      // Our owner's auto-responder (unmarked) answers the relay: it goes to Jane and the other inbox.
      const auto = await ownerAnswer(relay, owner, 'I am out of the office until Monday.');
      await rig.deliver(auto, { from: owner, to: [relay.mail.replyTo[0]?.address as string] });
    }
    expect(outcomes.filter((o) => o === 'relayed-to-owner')).toHaveLength(4);
    expect(outcomes.slice(4).every((o) => o === 'loop-ended')).toBe(true);
    expect(rig.sender.to(jane)).toHaveLength(4);
    const notices = rig.sender.to(owner).filter(isNotice);
    expect(notices).toHaveLength(1);
  });
});
