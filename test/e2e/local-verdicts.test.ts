import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHarness, TEST_CONFIG_INPUT } from '../support/local-harness.js';

const FORGED = 'spf=fail dkim=fail dmarc=fail spam=pass virus=pass';

describe('local mode with SPOC_LOCAL_VERDICTS=header: a forged customer mail over SMTP', () => {
  let harness: LocalHarness;
  beforeAll(async () => {
    harness = await LocalHarness.start({
      config: { ...TEST_CONFIG_INPUT, firstContact: { enabled: true } },
      verdictsFromHeader: true,
    });
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('holds the forgery, adds nobody, tells the owner in one line and stores the mail without the field', async () => {
    const first = await harness.send({
      from: 'jane@customer.test',
      to: 'support@example.test',
      subject: 'Broken order',
      text: 'The box was empty.',
    });
    const opening = await harness.newOutboxMails();
    const relay = opening.find((m) => m.mail.headers.has('x-spoc-conversation'));
    const owner = relay?.mail.to[0]?.address as string;

    await harness.send({
      from: 'jane@customer.test',
      to: 'support@example.test',
      cc: 'mallory@evil.test',
      subject: 'Re: Broken order',
      text: 'Please copy my colleague.',
      inReplyTo: first,
      references: [first],
      headers: { 'X-Spoc-Local-Verdicts': FORGED },
    });
    expect(await harness.lastOutcome()).toMatchObject({ status: 'quarantined', reason: 'forged-sender' });
    const after = await harness.newOutboxMails();
    expect(after.map((m) => m.mail.to[0]?.address)).toEqual([owner]);
    expect(after[0]?.mail.text).toContain('failed authentication');
    const [conversation] = await harness.server.deps.store.listConversations('jane@customer.test');
    expect(conversation?.participants ?? []).toEqual([]);

    const outcomes = await harness.outcomes();
    const held = outcomes.find((o) => o.outcome?.reason === 'forged-sender');
    const stored = await harness.server.deps.rawMail.getRaw(`inbound/${held?.id}`);
    expect(stored.toString('utf8')).toContain('Please copy my colleague.');
    expect(stored.toString('utf8').toLowerCase()).not.toContain('x-spoc-local-verdicts');
  });
});

describe('local mode without SPOC_LOCAL_VERDICTS', () => {
  let harness: LocalHarness;
  beforeAll(async () => {
    harness = await LocalHarness.start();
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('trusts loopback senders as before and ignores the field', async () => {
    await harness.send({
      from: 'kim@customer.test',
      to: 'support@example.test',
      subject: 'Hi',
      text: 'Hello',
      headers: { 'X-Spoc-Local-Verdicts': FORGED },
    });
    expect(await harness.lastOutcome()).toMatchObject({ status: 'relayed-to-owner' });
  });
});
