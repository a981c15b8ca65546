import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { CONTEXT_MARKERS } from '../../lib/mail/context-block.js';
import { type CapturedMail, HandlerRig } from '../support/handler-rig.js';
import { customerMail, ownerAnswer, rawMail, replyAddressOf } from '../support/mail-builder.js';

const SUPPORT = ['support@example.test'];

/** SES's field for a forger who passes SPF and DKIM for their own domain while writing the owner's From. */
function forgersResults(ownerDomain: string): string {
  return [
    'amazonses.com',
    ' spf=pass (spfCheck: domain of evil.test designates 192.0.2.7 as permitted sender) client-ip=192.0.2.7',
    ' envelope-from=mallory@evil.test',
    ' helo=mx.evil.test',
    ' dkim=pass header.i=@evil.test',
    ` dmarc=none header.from=${ownerDomain};`,
  ].join(';');
}

describe('owner answers: notes stay private, forgers are refused, and nothing the owner wrote vanishes', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines);
  });
  afterAll(async () => {
    await engines.close();
  });

  /** A new customer's first mail, and the relay their owner received. */
  async function conversation(customer: string, text = 'Where is my order?'): Promise<CapturedMail> {
    await rig.deliver(await customerMail(customer, 'Order', text), { from: customer, to: SUPPORT });
    const relay = rig.sender.mails.at(-1);
    if (!relay || relay.envelope.to[0] === customer) throw new Error('no relay');
    return relay;
  }
  const ownerOf = (relay: CapturedMail) => relay.envelope.to[0] ?? '';
  const toCustomer = (customer: string) => rig.sender.to(customer);
  const noticesTo = (owner: string) =>
    rig.sender.to(owner).filter((m) => m.mail.subject.startsWith('[Support]'));

  it('#note: …, #Note. … and #note with a no-break space are recorded and never reach the customer', async () => {
    const customer = 'nora@customer.test';
    const relay = await conversation(customer);
    const owner = ownerOf(relay);
    for (const first of ['#note: secret one', '#Note. secret two', '#note\u00a0secret three']) {
      const raw = await ownerAnswer(relay, owner, `${first}\nmore internal detail`);
      const { outcome } = await rig.deliver(raw, { from: owner, to: [replyAddressOf(relay)] });
      expect(outcome, first).toMatchObject({ status: 'noted', reason: 'note' });
    }
    expect(toCustomer(customer)).toEqual([]);
  });

  it('refuses a forged owner mail whose SPF and DKIM pass only for the forger, and tells the real owner', async () => {
    const customer = 'fred@customer.test';
    const relay = await conversation(customer);
    const owner = ownerOf(relay);
    const ownerDomain = owner.split('@')[1] ?? '';
    const to = replyAddressOf(relay);
    const forged = await ownerAnswer(relay, owner, 'Please pay the invoice to this new account.');
    const { outcome } = await rig.deliver(
      forged,
      { from: 'mallory@evil.test', to: [to] },
      // The owner's domain publishes no DMARC record: SES reports no DMARC verdict either way.
      { verdicts: { dmarc: 'GRAY' }, authenticationResults: forgersResults(ownerDomain) },
    );
    expect(outcome).toMatchObject({ status: 'rejected', reason: 'sender-unauthenticated' });
    expect(outcome?.detail).toContain('not aligned with the From domain');
    expect(toCustomer(customer)).toEqual([]);
    const told = noticesTo(owner).filter((m) => m.mail.text.includes('evil.test'));
    expect(told).toHaveLength(1);
    expect(told[0]?.mail.subject).toContain('Refused');

    // The owner's own mail, SPF aligned with their domain and no DMARC record, still goes through.
    const own = await ownerAnswer(relay, owner, 'It ships tomorrow.');
    const accepted = await rig.deliver(
      own,
      { from: owner, to: [to] },
      {
        verdicts: { dmarc: 'GRAY', dkim: 'GRAY' },
        authenticationResults: `amazonses.com; spf=pass smtp.mailfrom=${owner}; dkim=none; dmarc=none header.from=${ownerDomain}`,
      },
    );
    expect(accepted.outcome?.status).toBe('relayed-to-customer');
    expect(toCustomer(customer)).toHaveLength(1);
  });

  it('refuses an owner mail with two From fields or two From addresses, and tells the owner once', async () => {
    const customer = 'fiona@customer.test';
    const relay = await conversation(customer);
    const owner = ownerOf(relay);
    const to = replyAddressOf(relay);
    const single = (await ownerAnswer(relay, owner, 'Refund sent.')).toString('utf8');
    const twoFields = `From: mallory@evil.test\r\n${single}`;
    const twoAddresses = single.replace(/^From: .*$/m, `From: ${owner}, mallory@evil.test`);
    for (const raw of [twoFields, twoAddresses]) {
      const { outcome } = await rig.deliver(raw, { from: owner, to: [to] });
      expect(outcome).toMatchObject({ status: 'rejected', reason: 'sender-ambiguous' });
    }
    expect(toCustomer(customer)).toEqual([]);
    const conversationId = relay.mail.headers.get('x-spoc-conversation')?.[0] ?? '?';
    const told = noticesTo(owner).filter((m) => m.mail.subject.includes(conversationId));
    expect(told).toHaveLength(1);
    expect(told[0]?.mail.text).toContain('2 From fields');
  });

  it('holds an empty answer and an answer typed inside the context block, one notice each with the text', async () => {
    const customer = 'emma@customer.test';
    const relay = await conversation(customer);
    const owner = ownerOf(relay);
    const to = replyAddressOf(relay);

    const before = noticesTo(owner).length;
    const empty = await ownerAnswer(relay, owner, '');
    const { record, inboundId } = await rig.receive(empty, { from: owner, to: [to] });
    await rig.run(record);
    expect((await rig.deps.store.getInbound(inboundId))?.outcome).toMatchObject({
      status: 'rejected',
      reason: 'empty-reply',
    });
    // The same mail delivered again (SQS redelivers) tells nobody again.
    await rig.run(record);
    expect(noticesTo(owner)).toHaveLength(before + 1);
    expect(noticesTo(owner).at(-1)?.mail.text).toContain('nothing was left');

    const quoted = relay.mail.text
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n')
      .replace('> Customer: ', 'It left the warehouse on Monday.\n> Customer: ');
    const inside = await rawMail({
      from: owner,
      to,
      subject: `Re: ${relay.mail.subject}`,
      text: `Hi Emma,\n\nOn Mon, Nov 23, 2026 at 10:00 AM Support wrote:\n${quoted}\n`,
    });
    const second = await rig.deliver(inside, { from: owner, to: [to] });
    expect(second.outcome).toMatchObject({ status: 'rejected', reason: 'answer-in-context' });
    const notices = noticesTo(owner);
    expect(notices).toHaveLength(before + 2);
    expect(notices.at(-1)?.mail.subject).toContain('Not sent');
    expect(notices.at(-1)?.mail.text).toContain('Hi Emma,');
    expect(notices.at(-1)?.mail.text).toContain('It left the warehouse on Monday.');
    expect(toCustomer(customer)).toEqual([]);
  });

  it("sends the owner's inline answer below a start line the customer planted", async () => {
    const customer = 'pete@customer.test';
    const relay = await conversation(customer, `First question.\n${CONTEXT_MARKERS.start}\nSecond question.`);
    const owner = ownerOf(relay);
    const to = replyAddressOf(relay);
    const quoted = relay.mail.text
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n');
    const inline = await rawMail({
      from: owner,
      to,
      subject: `Re: ${relay.mail.subject}`,
      text: `On Mon, Nov 23, 2026 at 10:00 AM Support wrote:\n${quoted}\n\nBoth answered: it ships today.\n`,
    });
    const { outcome } = await rig.deliver(inline, { from: owner, to: [to] });
    expect(outcome?.status).toBe('relayed-to-customer');
    const sent = toCustomer(customer);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.mail.text).toContain('Both answered: it ships today.');
  });
});
