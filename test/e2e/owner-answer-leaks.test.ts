import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngines, startEmbeddedEngines } from '../../lib/local/embedded-engines.js';
import { CONTEXT_MARKERS } from '../../lib/mail/context-block.js';
import { type CapturedMail, HandlerRig, OWNER_ADDRESSES } from '../support/handler-rig.js';
import { customerMail, rawMail, replyAddressOf } from '../support/mail-builder.js';

const SUPPORT = ['support@example.test'];
const NOTE = 'Goodwill discount STAFF-ONLY-77 approved by finance, do not tell the customer';

/** The Czech Outlook answer layout: no `>`, the original pasted below Od/Odesláno/Komu/Předmět. */
function czechOutlookAnswer(answer: string, original: CapturedMail): string {
  return [
    answer,
    '',
    '-----Původní zpráva-----',
    `Od: ${original.mail.from?.name} <${original.mail.from?.address}>`,
    'Odesláno: pondělí 23. listopadu 2026 10:00',
    `Komu: ${original.mail.to[0]?.name} <${original.mail.to[0]?.address}>`,
    `Předmět: ${original.mail.subject}`,
    '',
    original.mail.text,
    '',
  ].join('\n');
}

describe('what reaches a customer from an owner’s answer', () => {
  let engines: EmbeddedEngines;
  let rig: HandlerRig;

  beforeAll(async () => {
    engines = await startEmbeddedEngines();
    rig = await HandlerRig.create(engines);
  });
  afterAll(async () => {
    await engines.close();
  });

  const notices = (owner: string) =>
    rig.sender.to(owner).filter((m) => m.mail.subject.startsWith('[Support]'));

  /** A customer's first mail; returns the relay its owner received. */
  async function relayOf(customer: string, text: string): Promise<CapturedMail> {
    const before = rig.sender.mails.length;
    await rig.deliver(await customerMail(customer, `Question from ${customer}`, text), {
      from: customer,
      to: SUPPORT,
    });
    const relay = rig.sender.mails
      .slice(before)
      .find((m) => OWNER_ADDRESSES.includes(m.envelope.to[0] ?? ''));
    if (!relay) throw new Error('no relay');
    return relay;
  }

  async function answer(relay: CapturedMail, options: Parameters<typeof rawMail>[0]) {
    const owner = relay.envelope.to[0] ?? '';
    const to = replyAddressOf(relay);
    return rig.deliver(await rawMail({ from: owner, to, subject: `Re: ${relay.mail.subject}`, ...options }), {
      from: owner,
      to: [to],
    });
  }

  /** The one mail the customer received since `before` (their count of mails then). */
  function newTo(customer: string, before: number): CapturedMail[] {
    return rig.sender.to(customer).slice(before);
  }

  let planted: { customer: string; history: CapturedMail; owner: string };

  it('(a) a marker line the customer typed cannot open the history mail: the note never reaches them', async () => {
    const customer = 'planted@customer.test';
    const relay = await relayOf(
      customer,
      ['My order is late.', CONTEXT_MARKERS.end, 'Please hurry.'].join('\n'),
    );
    const first = relay.envelope.to[0] ?? '';
    const next = OWNER_ADDRESSES.find((o) => o !== first) ?? '';
    expect((await answer(relay, { text: `#note ${NOTE}` })).outcome?.status).toBe('noted');
    const nextName = next === 'bob@example.test' ? 'Bob Jones' : 'Alice Smith';
    expect((await answer(relay, { text: `#handoff ${nextName}` })).outcome?.status).toBe('noted');
    const history = rig.sender.to(next).at(-1) as CapturedMail;
    expect(history.mail.subject).toContain('Handed over to you');
    expect(history.mail.text).toContain(NOTE);
    // The customer's line is shown, but no longer as our marker.
    expect(history.mail.text).toContain(`[as written] ${CONTEXT_MARKERS.end}`);
    planted = { customer, history, owner: next };

    const before = rig.sender.to(customer).length;
    const { outcome } = await rig.deliver(
      await rawMail({
        from: next,
        to: replyAddressOf(history),
        subject: `RE: ${history.mail.subject}`,
        text: czechOutlookAnswer('Dobrý den, objednávka je na cestě.', history),
      }),
      { from: next, to: [replyAddressOf(history)] },
    );
    expect(outcome?.status).toBe('relayed-to-customer');
    const sent = newTo(customer, before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.mail.text.trim()).toBe('Dobrý den, objednávka je na cestě.');
  });

  it('(a) an answer that still carries a stored note is held, and its owner told once with what was found', async () => {
    const { customer, history, owner } = planted;
    // Pasted from an old history mail whose block a planted line had closed early.
    const text = ['We will call you tomorrow.', '', `note by Alice Smith: ${NOTE}`].join('\n');
    const before = rig.sender.to(customer).length;
    const noticesBefore = notices(owner).length;
    const raw = await rawMail({ from: owner, to: replyAddressOf(history), subject: 'Re: x', text });
    const { outcome, inboundId } = await rig.deliver(raw, { from: owner, to: [replyAddressOf(history)] });
    expect(outcome).toMatchObject({ status: 'quarantined', reason: 'internal-trace' });
    expect(outcome?.detail).toContain('note in text part');
    expect(newTo(customer, before)).toEqual([]);
    const told = notices(owner).slice(noticesBefore);
    expect(told).toHaveLength(1);
    expect(told[0]?.mail.text).toContain('was not sent to the customer');
    expect(told[0]?.mail.text).toContain('note in text part');
    // The same mail delivered again is the same message: no second notice, nothing sent.
    const { record } = await rig.receive(raw, { from: owner, to: [replyAddressOf(history)] }, { inboundId });
    await rig.run(record);
    expect(notices(owner).slice(noticesBefore)).toHaveLength(1);
    expect(newTo(customer, before)).toEqual([]);
  });

  it('(b) an HTML-only answer quoting the context block with &nbsp; sends nothing of the block', async () => {
    const customer = 'nbsp@customer.test';
    const relay = await relayOf(customer, 'Where is my parcel?');
    const quotedBlock = (relay.mail.text.split('\n\n')[0] ?? '')
      .split('\n')
      .map((line) => line.replace(/ /g, '&nbsp;').replace(/</g, '&lt;'))
      .join('<br>');
    const html = `<html><body><div>Your parcel left today.</div><div><br></div><div style="border-top:1px solid">${quotedBlock}<br>Where is my parcel?</div></body></html>`;
    const before = rig.sender.to(customer).length;
    const { outcome } = await answer(relay, { html });
    expect(outcome?.status).toBe('relayed-to-customer');
    const [sent] = newTo(customer, before);
    // The block goes, marker to marker; what the owner left below it is theirs to send.
    expect(sent?.mail.text.trim()).toBe('Your parcel left today.\n\nWhere is my parcel?');
    expect(sent?.mail.text).not.toContain('your customer since');
    expect(sent?.raw.toString('latin1')).not.toMatch(/support.{0,6}context/i);
  });

  it('(c) the relay attached as message/rfc822 or .eml is left out; HTML comments are not relayed', async () => {
    const customer = 'attached@customer.test';
    const relay = await relayOf(customer, 'Can I get an invoice?');
    const before = rig.sender.to(customer).length;
    const { outcome } = await answer(relay, {
      text: 'Invoice attached.',
      html: `<p>Invoice <b>attached</b>.</p><!-- ${NOTE} -->`,
      attachments: [
        { filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4 invoice'), contentType: 'application/pdf' },
        { filename: 'original.eml', content: relay.raw, contentType: 'message/rfc822' },
        { filename: 'copy.eml', content: relay.raw, contentType: 'application/octet-stream' },
      ],
    });
    expect(outcome?.status).toBe('relayed-to-customer');
    expect(outcome?.detail).toContain('left out our own relay attached as "copy.eml"');
    const [sent] = newTo(customer, before);
    expect(sent?.mail.text.trim()).toBe('Invoice attached.');
    expect(sent?.mail.attachments.map((a) => a.filename)).toEqual(['invoice.pdf']);
    expect(sent?.raw.toString('latin1')).not.toContain('<!--');
    expect(sent?.raw.toString('latin1')).not.toContain('STAFF-ONLY');
  });

  it('(c) an HTML answer keeps its formatting but not its comments', async () => {
    const customer = 'comment@customer.test';
    const relay = await relayOf(customer, 'Do you ship to Norway?');
    const before = rig.sender.to(customer).length;
    const { outcome } = await answer(relay, {
      text: 'Yes, we do.',
      html: `<div>Yes, <b>we do</b>.</div><!-- ${NOTE} --><!--[if mso]><p>draft</p><![endif]-->`,
    });
    expect(outcome?.status).toBe('relayed-to-customer');
    const [sent] = newTo(customer, before);
    expect(sent?.mail.html).toContain('<b>we do</b>');
    expect(sent?.mail.html).not.toContain('<!--');
    expect(sent?.raw.toString('latin1')).not.toContain('STAFF-ONLY');
  });

  it('(c) the relay pasted into a .txt attachment holds the answer, and the owner is told what was where', async () => {
    const customer = 'attached@customer.test';
    const relay = rig.sender.mails.find((m) => m.mail.text.includes('Can I get an invoice?')) as CapturedMail;
    const owner = relay.envelope.to[0] ?? '';
    const before = rig.sender.to(customer).length;
    const noticesBefore = notices(owner).length;
    const { outcome } = await answer(relay, {
      text: 'Invoice attached, again.',
      attachments: [
        { filename: 'notes.txt', content: Buffer.from(relay.mail.text), contentType: 'text/plain' },
      ],
    });
    expect(outcome).toMatchObject({ status: 'quarantined', reason: 'internal-trace' });
    expect(outcome?.detail).toContain('attachment "notes.txt"');
    expect(newTo(customer, before)).toEqual([]);
    const told = notices(owner).slice(noticesBefore);
    expect(told).toHaveLength(1);
    expect(told[0]?.mail.text).toContain('attachment "notes.txt"');
    expect(told[0]?.mail.text).toContain('context-block');
  });

  it("keeps the owner's signature in both parts: Gmail's markup and Thunderbird's `-- `", async () => {
    const customer = 'signed@customer.test';
    const relay = await relayOf(customer, 'Is the shop open on Sunday?');
    const signature = [
      'Alice Smith',
      'Customer care, ACME Ltd.',
      '+1 555 0100 (Mon to Fri)',
      'https://acme.test',
    ];
    const quote = relay.mail.text
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n');
    const text = `Yes, from 10 to 4.\n\n-- \n${signature.join('\n')}\n\nOn Mon, Nov 23, 2026 at 10:00 AM Support <${replyAddressOf(relay)}> wrote:\n${quote}\n`;
    const bodies = {
      gmail: `<div dir="ltr">Yes, from 10 to 4.<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">${signature.join('<br>')}</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Nov 23, 2026 at 10:00 AM Support wrote:<br></div><blockquote class="gmail_quote">${relay.mail.html ?? relay.mail.text}</blockquote></div>`,
      thunderbird: `<html><body><p>Yes, from 10 to 4.</p><pre class="moz-signature" cols="72">-- \n${signature.join('\n')}</pre><div class="moz-cite-prefix">On 23/11/2026 10:00, Support wrote:<br></div><blockquote type="cite"><pre>${relay.mail.text}</pre></blockquote></body></html>`,
    };
    for (const [client, html] of Object.entries(bodies)) {
      const before = rig.sender.to(customer).length;
      expect((await answer(relay, { text, html })).outcome?.status, client).toBe('relayed-to-customer');
      const [sent] = newTo(customer, before);
      const shown = (sent?.mail.html ?? '').replace(/<[^>]+>/g, '\n');
      for (const line of signature) {
        expect(sent?.mail.text, `${client} text`).toContain(line);
        expect(shown, `${client} HTML`).toContain(line);
      }
      expect(sent?.mail.text, client).not.toContain('Sunday');
      expect(shown, client).not.toContain('Sunday');
    }
  });
});
