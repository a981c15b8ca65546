import { Metrics } from '@aws-lambda-powertools/metrics';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { addOutcomeMetrics } from '../../../lib/handlers/inbound-metrics.js';
import { renderContextHtml } from '../../../lib/mail/context-block.js';
import { buildFirstContact } from '../../../lib/mail/first-contact.js';
import { outlineMail } from '../../../lib/mail/mail-outline.js';
import { customerFacingHtml } from '../../../lib/mail/reply-html.js';
import { corpusAvailable, corpusFile, corpusFiles } from '../../support/corpus.js';

const traces = { ownerEmail: 'alice@example.test', replyDomain: 'reply.example.test' };
const facts = {
  customerName: 'Jane',
  customerEmail: 'jane@customer.test',
  customerSince: '2026-11-01T00:00:00.000Z',
  conversationId: 'c1',
  conversationOpened: '2026-11-01T00:00:00.000Z',
  messageCount: 1,
  ownerName: 'Alice Smith',
  supportAddress: 'support@example.test',
};

function visibleText(html: string): string {
  return html.replace(/<[^>]+>|&nbsp;/g, '').replace(/\s+/g, '');
}

describe('customerFacingHtml', () => {
  it.runIf(corpusAvailable())(
    'keeps exactly the answer of the corpus HTML replies, or gives up (text only) — never the quote',
    async () => {
      const files = corpusFiles('replies-talon/html_replies', (name) => name.endsWith('.html'));
      expect(files).toHaveLength(9);
      let kept = 0;
      for (const file of files) {
        const html = await customerFacingHtml(
          corpusFile(file).toString('utf8'),
          traces,
          'Hi. I am fine.\n\nThanks,\nAlex',
        );
        if (html === undefined) continue;
        kept += 1;
        expect(visibleText(html), file).toBe('Hi.Iamfine.Thanks,Alex');
      }
      // Gmail, Hotmail, Mail.Ru, Outlook 2003 and Thunderbird keep their HTML.
      expect(kept).toBeGreaterThanOrEqual(5);
    },
  );

  it('removes a context block an owner answered around, by its marker', async () => {
    const html = `<div>Thanks, <i>done</i>.</div>${renderContextHtml(facts)}<p>More below the block.</p>`;
    const result = await customerFacingHtml(html, traces);
    expect(result).toContain('<i>done</i>');
    expect(result).toContain('More below the block.');
    expect(result).not.toContain('Support context');
  });

  it('falls back to text when the markup still names the owner or a reply address', async () => {
    expect(
      await customerFacingHtml('<p>Write to <a href="mailto:alice@example.test">me</a></p>', traces),
    ).toBeUndefined();
    expect(await customerFacingHtml('<p>reply+abc.def@reply.example.test</p>', traces)).toBeUndefined();
    // A client that dropped the marker attribute still leaves the block's words.
    const stripped = renderContextHtml(facts).replace(
      / data-spoc-context="1" id="spoc-context" class="spoc-context"/,
      '',
    );
    expect(await customerFacingHtml(`<p>Hello</p>${stripped}`, traces)).toBeUndefined();
  });
});

describe("customerFacingHtml: what an owner's client leaves around the answer", () => {
  it("drops Outlook's reply anchor and rule, and every comment, keeping the answer", async () => {
    const html = [
      '<html><head><style>P {margin:0}</style></head><body dir="ltr">',
      '<div class="elementToProof">Your refund is <b>on its way</b>.</div>',
      '<!--[if mso]><p>draft: offer 10% if she complains</p><![endif]--><!-- call her back -->',
      '<div id="appendonsend"></div>',
      '<hr style="display:inline-block;width:98%" tabindex="-1">',
      '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>From:</b> Jane via Support &lt;reply+c1.abc@reply.example.test&gt;<br>',
      '<b>Sent:</b> Monday, November 23, 2026 10:00<br><b>To:</b> Alice Smith &lt;alice@example.test&gt;<br><b>Subject:</b> Order</font><div>&nbsp;</div></div>',
      `<div>${renderContextHtml(facts)}<p>Where is my refund?</p></div>`,
      '</body></html>',
    ].join('\n');
    const result = await customerFacingHtml(html, traces, 'Your refund is on its way.');
    expect(result).toContain('<b>on its way</b>');
    expect(result).not.toContain('appendonsend');
    expect(result).not.toContain('<hr');
    expect(result).not.toContain('<!--');
    expect(result).not.toContain('draft');
    expect(result).not.toContain('Where is my refund');
  });

  it('gives up (text only) when a context block without its attribute is spaced with &nbsp;', async () => {
    const block = renderContextHtml(facts)
      .replace(/ data-spoc-context="1" id="spoc-context" class="spoc-context"/, '')
      .replace(/ (?=[^<>]*(?:<|$))/g, '&nbsp;');
    expect(block).toContain('Support&nbsp;context');
    expect(await customerFacingHtml(`<p>Hello</p>${block}`, traces)).toBeUndefined();
  });
});

describe('outlineMail', () => {
  it('reads sender, subject and decoded attachment names without parsing the body', async () => {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const info = await transport.sendMail({
      from: '"Jürgen Müller" <j@customer.test>',
      to: 'support@example.test',
      subject: 'Отчёт 見積書',
      text: 'hi',
      attachments: [
        { filename: 'отчёт за 2024 год с очень длинным именем файла.pdf', content: Buffer.alloc(100) },
        { filename: '見積書.xlsx', content: 'x' },
        { filename: 'plain.txt', content: 'y' },
      ],
    });
    const outline = await outlineMail(info.message as Buffer);
    expect(outline.headers.from).toEqual({ address: 'j@customer.test', name: 'Jürgen Müller' });
    expect(outline.headers.subject).toBe('Отчёт 見積書');
    expect(outline.attachmentNames).toEqual([
      'отчёт за 2024 год с очень длинным именем файла.pdf',
      '見積書.xlsx',
      'plain.txt',
    ]);
  });
});

describe('buildFirstContact', () => {
  it('answers the first mail from the owner, marked as automatic, with a configurable body', () => {
    const mail = buildFirstContact({
      ownerName: 'Alice Smith',
      supportAddress: 'support@example.test',
      customer: { address: 'jane@customer.test', name: '' },
      subject: 'Re: Order',
      template: 'Hi {customerName}, {ownerName} here ({supportAddress}).',
      messageId: '<fc@example.test>',
      customerThread: ['<a@c>', '<b@c>'],
    });
    expect(mail.subject).toBe('Re: Order');
    expect(mail.text).toBe('Hi there, Alice Smith here (support@example.test).');
    expect(mail.inReplyTo).toBe('<b@c>');
    expect(mail.references).toEqual(['<a@c>', '<b@c>']);
    expect(mail.headers?.['Auto-Submitted']).toBe('auto-replied');
  });
});

describe('addOutcomeMetrics', () => {
  it('emits RepliesSent and FirstResponseSeconds with the Owner dimension as EMF', () => {
    const metrics = new Metrics({ namespace: 'SpocInboxTest', serviceName: 'test' });
    expect(
      addOutcomeMetrics(metrics, {
        status: 'relayed-to-customer',
        ownerEmail: 'alice@example.test',
        customerEmail: 'jane@customer.test',
        firstResponseSeconds: 90,
      }),
    ).toBe(true);
    const emf = metrics.serializeMetrics() as unknown as Record<string, unknown> & {
      _aws: {
        CloudWatchMetrics: Array<{
          Namespace: string;
          Dimensions: string[][];
          Metrics: Array<{ Name: string }>;
        }>;
      };
    };
    const [directive] = emf._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('SpocInboxTest');
    expect(directive?.Dimensions[0]).toContain('Owner');
    expect(directive?.Dimensions[0]).not.toContain('Customer');
    expect(directive?.Metrics.map((m) => m.Name).sort()).toEqual(['FirstResponseSeconds', 'RepliesSent']);
    expect(emf.Owner).toBe('alice@example.test');
    expect(emf.RepliesSent).toBe(1);
    expect(emf.FirstResponseSeconds).toBe(90);
  });

  it('counts a new sender held by the hourly cap as NewCustomersHeld (and MailsQuarantined), without an Owner dimension', () => {
    const metrics = new Metrics({ namespace: 'SpocInboxTest' });
    expect(
      addOutcomeMetrics(metrics, {
        status: 'quarantined',
        reason: 'new-customer-cap',
        customerEmail: 'x@flood.test',
      }),
    ).toBe(true);
    const emf = metrics.serializeMetrics() as unknown as {
      _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
      NewCustomersHeld?: number;
    };
    expect(emf._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).toEqual([
      'NewCustomersHeld',
      'MailsQuarantined',
    ]);
    expect(emf._aws.CloudWatchMetrics[0]?.Dimensions.flat()).not.toContain('Customer');
    expect(emf.NewCustomersHeld).toBe(1);
  });

  it('counts failed and quarantined mail without an Owner dimension, for the alarms', () => {
    for (const [status, name] of [
      ['failed', 'MailsFailed'],
      ['quarantined', 'MailsQuarantined'],
    ] as const) {
      const metrics = new Metrics({ namespace: 'SpocInboxTest', serviceName: 'spoc-inbound' });
      expect(addOutcomeMetrics(metrics, { status, ownerEmail: 'alice@example.test' })).toBe(true);
      const emf = metrics.serializeMetrics() as unknown as Record<string, unknown> & {
        _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
      };
      const [directive] = emf._aws.CloudWatchMetrics;
      expect(directive?.Metrics.map((m) => m.Name)).toEqual([name]);
      expect(directive?.Dimensions).toEqual([['service']]);
      expect(emf[name]).toBe(1);
    }
  });

  it('adds nothing for outcomes that are not relays', () => {
    const metrics = new Metrics({ namespace: 'SpocInboxTest' });
    expect(addOutcomeMetrics(metrics, { status: 'automatic', reason: 'auto-submitted' })).toBe(false);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });
});
