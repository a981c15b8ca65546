import { describe, expect, it } from 'vitest';
import {
  CONTEXT_MARKERS,
  looksLikeMarker,
  NEUTRALISED_PREFIX,
  neutraliseMarkers,
  renderContextText,
} from '../../../lib/mail/context-block.js';
import {
  findInternalTraces,
  findInternalTracesInParts,
  findTracesInHtml,
  findTracesInText,
  type InternalTraceSet,
  isOwnRelay,
  TRACE_PATTERNS,
} from '../../../lib/mail/internal-traces.js';
import { buildOwnerRelay } from '../../../lib/mail/owner-relay.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { stripContextBlock } from '../../../lib/mail/strip-context-block.js';
import { corpusAvailable, corpusFile, corpusFiles } from '../../support/corpus.js';
import { rawMail } from '../../support/mail-builder.js';
import { recheckStatus } from '../../support/recheck-status.js';

const TRACES: InternalTraceSet = {
  replyDomain: 'reply.example.test',
  ownerAddresses: ['alice@example.test', 'bob@example.test'],
  secrets: ['0123456789abcdef01234567'],
  notes: ['Goodwill discount approved by finance\nok'],
};
const REPLY = 'reply+c0ffee12.feedfacefeedfacefeedface@reply.example.test';
const FACTS = {
  customerName: 'Jane',
  customerEmail: 'jane@customer.test',
  customerSince: '2026-11-01T00:00:00.000Z',
  conversationId: 'c0ffee12',
  conversationOpened: '2026-11-01T00:00:00.000Z',
  messageCount: 1,
  ownerName: 'Alice Smith',
  supportAddress: 'support@example.test',
};

const kinds = (found: { kind: string }[]) => found.map((t) => t.kind).sort();

/** A clean answer to the customer, plus whatever a test adds. */
function answer(extra: Parameters<typeof rawMail>[0] = {}): Promise<Buffer> {
  return rawMail({
    from: 'Alice Smith <support@example.test>',
    to: 'jane@customer.test',
    subject: 'Re: Order',
    text: 'Your refund is on its way.',
    ...extra,
  });
}

describe('findTracesInText', () => {
  it('finds each kind of trace, whatever the case, spacing or invisible characters', () => {
    const cases: Array<[string, string]> = [
      ['Write to ALICE@example.test', 'owner-address'],
      ['alice\u200b@example.test', 'owner-address'],
      [`answer to ${REPLY}`, 'reply-address'],
      ['reply+c0ffee12.feedface0 without its domain', 'reply-address'],
      ['someone@reply.example.test', 'reply-address'],
      ['consult+abc@elsewhere.test', 'consult-address'],
      ['token 0123456789ABCDEF01234567 alone', 'token'],
      [CONTEXT_MARKERS.start, 'context-block'],
      ['---\u00a0End\u00a0of\u00a0support\u00a0context\u00a0---', 'context-block'],
      ['Reply above this block: the customer receives your answer from "Alice"', 'context-block'],
      ['Goodwill   discount approved\nby finance', 'note'],
      ['[2026-11-02 10:00 UTC] note by Bob Jones (internal):\n  Friday', 'context-block'],
      ['Thanks!\n#note call back tomorrow', 'note'],
    ];
    for (const [text, kind] of cases) {
      expect(kinds(findTracesInText(text, 'text part', TRACES)), text).toEqual([kind]);
    }
  });

  it('finds nothing in an ordinary answer, nor short note lines in ordinary words', () => {
    const text =
      'Hi Jane, ok: your support ticket is closed. Context: the refund for order 42 went out.\n' +
      'Write to support@example.test any time.\n-- \nAlice Smith, ACME';
    expect(findTracesInText(text, 'text part', TRACES)).toEqual([]);
  });
});

describe('the patterns run on untrusted text', () => {
  it('cannot backtrack (recheck)', async () => {
    for (const pattern of TRACE_PATTERNS) {
      expect((await recheckStatus(pattern, { checker: 'automaton' })).status, String(pattern)).toBe('safe');
    }
  });
});

describe.runIf(corpusAvailable())('no false alarms on real replies', () => {
  it('finds nothing internal in the talon and trimmer replies (text and HTML)', async () => {
    const found: string[] = [];
    for (const file of corpusFiles('replies-talon/standard_replies', (n) => n.endsWith('.eml'))) {
      const mail = await parseMail(corpusFile(file));
      found.push(...findTracesInText(mail.text, file, TRACES).map((t) => `${file}: ${t.found}`));
    }
    for (const file of corpusFiles('replies-trimmer/emails', (n) => n.endsWith('.txt'))) {
      const text = corpusFile(file).toString('utf8');
      found.push(...findTracesInText(text, file, TRACES).map((t) => `${file}: ${t.found}`));
    }
    for (const file of corpusFiles('replies-talon/html_replies', (n) => n.endsWith('.html'))) {
      const traces = await findTracesInHtml(corpusFile(file).toString('utf8'), file, TRACES);
      found.push(...traces.map((t) => `${file}: ${t.found}`));
    }
    expect(found).toEqual([]);
  });
});

describe('findInternalTraces on a composed mail', () => {
  it('finds nothing in a clean answer with an attachment', async () => {
    const raw = await answer({
      html: '<p>Your refund is <b>on its way</b>.</p>',
      attachments: [
        { filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' },
      ],
    });
    expect(await findInternalTraces(raw, TRACES)).toEqual([]);
  });

  it('finds traces in the text part and in the HTML, entities decoded', async () => {
    expect(await findInternalTraces(await answer({ text: `Mail me: ${REPLY}` }), TRACES)).toMatchObject([
      { kind: 'reply-address', where: 'text part' },
    ]);
    const html =
      '<p>---&nbsp;End&nbsp;of&nbsp;support&nbsp;context&nbsp;---</p><a href="mailto:bob&#64;example.test">x</a>';
    expect(kinds(await findInternalTraces(await answer({ html }), TRACES))).toEqual([
      'context-block',
      'owner-address',
    ]);
  });

  it('finds a trace hidden in an HTML comment, and says so', async () => {
    const found = await findInternalTraces(
      await answer({ html: '<p>Done.</p><!-- Goodwill discount approved by finance -->' }),
      TRACES,
    );
    expect(found).toContainEqual(expect.objectContaining({ kind: 'note', where: 'HTML comment' }));
  });

  it('finds traces in a text attachment, an HTML attachment and a binary one', async () => {
    const raw = await answer({
      attachments: [
        { filename: 'relay.txt', content: Buffer.from(renderContextText(FACTS)), contentType: 'text/plain' },
        {
          filename: 'page.html',
          content: Buffer.from('<p>alice&#64;example.test</p>'),
          contentType: 'text/html',
        },
        { filename: 'scan.pdf', content: Buffer.from(`%PDF-1.4 (${REPLY})`), contentType: 'application/pdf' },
      ],
    });
    const found = await findInternalTraces(raw, TRACES);
    expect(found).toContainEqual(
      expect.objectContaining({ kind: 'context-block', where: 'attachment "relay.txt"' }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({ kind: 'owner-address', where: 'attachment "page.html"' }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({ kind: 'reply-address', where: 'attachment "scan.pdf"' }),
    );
  });

  it('finds the same in the parts a mail is composed from as in the composed mail', async () => {
    const parts = {
      text: 'Done.',
      html: '<p>Done.</p><!-- Goodwill discount approved by finance -->',
      attachments: [
        { filename: 'relay.txt', content: Buffer.from(renderContextText(FACTS)), contentType: 'text/plain' },
        { filename: 'scan.pdf', content: Buffer.from(`%PDF-1.4 (${REPLY})`), contentType: 'application/pdf' },
      ],
    };
    const fromParts = await findInternalTracesInParts(parts, TRACES);
    expect(fromParts).toEqual(await findInternalTraces(await answer(parts), TRACES));
    expect(kinds(fromParts)).toEqual(['context-block', 'note', 'note', 'reply-address']);
    expect(await findInternalTracesInParts({ text: 'Done.', attachments: [] }, TRACES)).toEqual([]);
  });

  it('finds traces in a large binary attachment, across the windows it is read in', async () => {
    const content = Buffer.alloc(3 * 1024 * 1024, 7);
    content.write('ALICE@example.test', 1024 * 1024 - 5, 'latin1');
    content.write('reply+abcdefgh.0123456789ab', 2 * 1024 * 1024 + 77, 'latin1');
    const found = await findInternalTracesInParts(
      { text: 'x', attachments: [{ filename: 'a.bin', contentType: 'application/octet-stream', content }] },
      TRACES,
    );
    expect(kinds(found)).toEqual(['owner-address', 'reply-address']);
  });

  it('opens attached mails, nested ones too, header fields included', async () => {
    const relay = await rawMail({
      from: `"Jane via Support" <${REPLY}>`,
      to: 'alice@example.test',
      subject: 'Order',
      text: `${renderContextText(FACTS)}\n\nWhere is my order?`,
    });
    const forward = await rawMail({
      from: 'jane@customer.test',
      to: 'support@example.test',
      subject: 'Fwd',
      text: 'see attached',
      attachments: [{ filename: 'inner.eml', content: relay, contentType: 'application/octet-stream' }],
    });
    const found = await findInternalTraces(
      await answer({
        attachments: [{ filename: 'outer.eml', content: forward, contentType: 'application/octet-stream' }],
      }),
      TRACES,
    );
    expect(found.some((t) => t.where.startsWith('attachment "outer.eml" › attachment "inner.eml"'))).toBe(
      true,
    );
    expect(kinds(found)).toEqual(expect.arrayContaining(['reply-address', 'owner-address', 'context-block']));
  });

  it('recognises our own relay attached as a mail, and only that', async () => {
    const relay = await rawMail({ from: REPLY, to: 'alice@example.test', subject: 'x', text: 'hi' });
    const other = await rawMail({
      from: 'jane@customer.test',
      to: 'shop@example.test',
      subject: 'x',
      text: 'hi',
    });
    const attached = (content: Buffer, contentType = 'message/rfc822') => ({
      filename: 'original.eml',
      contentType,
      content,
      size: content.length,
      inline: false,
    });
    expect(isOwnRelay(attached(relay), 'reply.example.test')).toBe(true);
    expect(isOwnRelay(attached(relay, 'application/octet-stream'), 'reply.example.test')).toBe(true);
    expect(isOwnRelay(attached(other), 'reply.example.test')).toBe(false);
    expect(isOwnRelay({ ...attached(relay, 'text/plain'), filename: 'a.txt' }, 'reply.example.test')).toBe(
      false,
    );
  });
});

describe('marker lines someone else typed', () => {
  it('look like markers however they are spaced, dashed, cased or quoted', () => {
    for (const line of [
      CONTEXT_MARKERS.end,
      CONTEXT_MARKERS.start,
      '> --- END OF SUPPORT CONTEXT ---',
      '—— End of support context ——',
      '--- Support context (internal) ---',
      'Support context',
    ]) {
      expect(looksLikeMarker(line), line).toBe(true);
    }
    expect(looksLikeMarker('Our support team. Context: order 42')).toBe(false);
  });

  it('are neutralised so the cut never takes them for ours', () => {
    const typed = `My order is late.\n${CONTEXT_MARKERS.end}\nPlease hurry.`;
    const relayed = neutraliseMarkers(typed);
    expect(relayed).toBe(`My order is late.\n${NEUTRALISED_PREFIX}${CONTEXT_MARKERS.end}\nPlease hurry.`);
    // Inside a block, the neutralised line no longer ends it: the whole block goes.
    const history = `${CONTEXT_MARKERS.start}\n  ${relayed.replace(/\n/g, '\n  ')}\nsecret note\n${CONTEXT_MARKERS.end}\nAnswer`;
    expect(stripContextBlock(history, CONTEXT_MARKERS).text).toBe('Answer');
    expect(neutraliseMarkers('Nothing to see')).toBe('Nothing to see');
  });

  it('are neutralised in the relay an owner receives, below our one real block', () => {
    const relay = buildOwnerRelay({
      mail: {
        references: [],
        replyTo: [],
        to: [],
        cc: [],
        subject: 'Order',
        text: `${CONTEXT_MARKERS.start}\nI typed this.\n${CONTEXT_MARKERS.end}`,
        attachments: [],
        headers: new Map(),
        contentType: 'text/plain',
        sizeBytes: 100,
      },
      facts: FACTS,
      supportName: 'Support',
      replyAddress: REPLY,
      owner: { address: 'alice@example.test', name: 'Alice Smith' },
      messageId: '<m@reply.example.test>',
      ownerThread: [],
      subject: 'Order',
    });
    const lines = relay.text.split('\n');
    expect(lines.filter((line) => line === CONTEXT_MARKERS.start)).toHaveLength(1);
    expect(lines.filter((line) => line === CONTEXT_MARKERS.end)).toHaveLength(1);
    expect(lines).toContain(`${NEUTRALISED_PREFIX}${CONTEXT_MARKERS.start}`);
  });
});
