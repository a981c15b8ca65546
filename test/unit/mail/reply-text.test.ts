import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { extractReplyText } from '../../../lib/mail/reply-text.js';
import { stripContextBlock } from '../../../lib/mail/strip-context-block.js';
import { corpusAvailable, corpusDir, corpusFile, corpusFiles } from '../../support/corpus.js';

/**
 * replies-trimmer cases whose `trimmed/` text we reproduce exactly (52 of 64). A case dropping out of
 * this list is a regression.
 */
const TRIMMER_PASSING = [
  'block_code_spacers',
  'dual_embedded',
  'email_headers_1',
  'email_headers_2',
  'email_headers_3',
  'email_headers_4',
  'email_headers_5',
  'embedded_ception',
  'embedded_email_1',
  'embedded_email_10',
  'embedded_email_13',
  'embedded_email_14',
  'embedded_email_15',
  'embedded_email_19',
  'embedded_email_2',
  'embedded_email_3',
  'embedded_email_5',
  'embedded_email_6',
  'embedded_email_8',
  'embedded_email_9',
  'embedded_email_chinese',
  'embedded_email_dutch_1',
  'embedded_email_dutch_2',
  'embedded_email_french_1',
  'embedded_email_french_2',
  'embedded_email_german_1',
  'embedded_email_german_2',
  'embedded_email_german_3',
  'embedded_email_german_4',
  'embedded_email_german_5',
  'embedded_email_italian',
  'embedded_email_norwegian',
  'embedded_email_polish_1',
  'embedded_email_polish_2',
  'embedded_email_portuguese',
  'embedded_email_quote_text',
  'embedded_email_russian_1',
  'embedded_email_russian_2',
  'embedded_email_spanish_1',
  'embedded_email_spanish_2',
  'embedded_email_swedish',
  'embedded_email_ukrainian',
  'forwarded_apple',
  'forwarded_gmail',
  'normalize_line_endings',
  'retains_spaces_and_formatting',
  'signatures',
  'spam_1',
  'spam_2',
  'strip',
  'text_only',
  'usenet',
];

/** Cases we do not reproduce, and why. */
const TRIMMER_FAILING: Record<string, string> = {
  // By design: every `>` quote is hidden, because a quoted copy of internal context must never reach a
  // customer. The trimmer keeps quotes that are not introduced by an attribution.
  quote_only: 'a message that is only a quote is kept by the trimmer, hidden by us',
  quote_and_text: 'a leading quote without attribution is kept by the trimmer',
  embedded_email_7: 'a quote in the middle of the text is kept by the trimmer',
  embedded_email_16: 'leading `> From:` quote without attribution is kept by the trimmer',
  embedded_email_17: 'quoted code between paragraphs is kept by the trimmer',
  embedded_email_18: 'an indented quote is kept by the trimmer',
  // By design: a forwarded message counts as quoted; the trimmer keeps the forwarded body when the
  // forward has no text of its own.
  forwarded_message: 'the forwarded body is the expected text; we cut at the forward header',
  // Library limits: attributions we do not recognise as such.
  embedded_email_4: '"2013/7/20 sam via Discourse Meta <…>" without a colon, above `|`-quoted text',
  embedded_email_11: '"2016-03-03 17:21 GMT+01:00 Some One" without a colon, above unquoted text',
  embedded_email_12: 'attribution split over five lines with the closing "> wrote:" looking like a quote',
  embedded_email_german_6:
    'attribution whose closing `>:` wrapped onto a line of its own and reads as a quote',
  delimiters: 'a trailing "ᐧ" (U+1427, a Gmail add-on tracking mark) is kept',
};

function trimmerCase(name: string): { input: string; expected: string } {
  const read = (folder: string) =>
    readFileSync(join(corpusDir(), 'replies-trimmer', folder, `${name}.txt`), 'utf8');
  return { input: read('emails').trim(), expected: read('trimmed').trim().replace(/\r\n/g, '\n') };
}

describe.skipIf(!corpusAvailable())('extractReplyText on the corpus', () => {
  it('reduces every talon standard reply to its answer', async () => {
    const files = corpusFiles('replies-talon/standard_replies', (name) => name.endsWith('.eml'));
    expect(files).toHaveLength(12);
    const results: Record<string, string> = {};
    for (const file of files) results[file] = extractReplyText((await parseMail(corpusFile(file))).text);
    // iphone_reply_text and sparrow_reply_text keep "Sent from my iPhone" and a `-- ` signature; we drop
    // signatures after a delimiter by design, so the answer left is "Hello" for those two as well.
    for (const name of ['iphone', 'sparrow']) {
      const expected = corpusFile(`replies-talon/standard_replies/${name}_reply_text`)
        .toString('utf8')
        .trim();
      expect(expected.split('\n')[0]?.trim()).toBe('Hello');
    }
    expect(results).toEqual(Object.fromEntries(files.map((file) => [file, 'Hello'])));
  });

  it('reproduces the trimmer’s expected text for the known-good cases', () => {
    const mismatches = TRIMMER_PASSING.filter((name) => {
      const { input, expected } = trimmerCase(name);
      return extractReplyText(input) !== expected;
    });
    expect(mismatches).toEqual([]);
  });

  it('accounts for every trimmer case (52 of 64 pass)', () => {
    const all = corpusFiles('replies-trimmer/emails', (name) => name.endsWith('.txt')).map((file) =>
      file.replace(/^.*\//, '').replace(/\.txt$/, ''),
    );
    expect(all).toHaveLength(64);
    expect([...TRIMMER_PASSING, ...Object.keys(TRIMMER_FAILING)].sort()).toEqual(all);
    expect(TRIMMER_PASSING).toHaveLength(52);
    // A failing case that starts to pass should move to the passing list.
    const nowPassing = Object.keys(TRIMMER_FAILING).filter((name) => {
      const { input, expected } = trimmerCase(name);
      return extractReplyText(input) === expected;
    });
    expect(nowPassing).toEqual([]);
  });
});

const MARKER = { start: '----- Support context (internal) -----', end: '----- End of support context -----' };
const CONTEXT = [
  MARKER.start,
  'Customer: jane@customer.test, since 2 Jan 2026, 3 conversations',
  'Conversation: conv-7f3a (open)',
  'Internal note: VIP, refund approved by Bob',
  MARKER.end,
].join('\n');
const RELAY_TEXT = `${CONTEXT}\n\nHi, I was charged twice for order #42.\n\nJane`;
const ANSWER = 'Hi Jane,\n\nthe second charge has been refunded.\n\nBest regards,\nAlice';

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
}

const RELAY_REPLIES: Record<string, string> = {
  gmail: `${ANSWER}\n\nOn Mon, 23 Nov 2026 at 10:00, Jane Doe via Support <reply+abc.def@reply.example.test> wrote:\n\n${quote(RELAY_TEXT)}\n`,
  'gmail (wrapped attribution)': `${ANSWER}\n\nOn Mon, 23 Nov 2026 at 10:00, Jane Doe via Support <\nreply+abc.def@reply.example.test> wrote:\n\n${quote(RELAY_TEXT)}\n`,
  outlook: [
    ANSWER,
    '',
    '________________________________',
    'From: Jane Doe via Support <reply+abc.def@reply.example.test>',
    'Sent: Monday, November 23, 2026 10:00 AM',
    'To: Alice Smith <alice@example.test>',
    'Subject: Charged twice',
    '',
    RELAY_TEXT,
    '',
  ].join('\r\n'),
  'outlook (-----Original Message-----)': [
    ANSWER,
    '',
    '-----Original Message-----',
    'From: Jane Doe via Support [mailto:reply+abc.def@reply.example.test]',
    'Sent: Monday, November 23, 2026 10:00 AM',
    'To: Alice Smith',
    'Subject: Charged twice',
    '',
    RELAY_TEXT,
  ].join('\r\n'),
  'apple mail': `${ANSWER}\n\n> On 23 Nov 2026, at 10:00, Jane Doe via Support <reply+abc.def@reply.example.test> wrote:\n> \n${quote(RELAY_TEXT)}\n`,
  'outlook mobile (unquoted original)': `${ANSWER}\n\nGet Outlook for iOS\n\nOn Mon, Nov 23, 2026 at 10:00 AM +0000, "Jane Doe via Support" <reply+abc.def@reply.example.test> wrote:\n\n${RELAY_TEXT}\n`,
};

describe('extractReplyText on replies to our relays', () => {
  for (const [client, body] of Object.entries(RELAY_REPLIES)) {
    it(`keeps only the answer of a ${client} reply`, () => {
      expect(extractReplyText(body)).toBe(ANSWER);
      expect(extractReplyText(stripContextBlock(body, MARKER).text)).toBe(ANSWER);
    });
  }

  it('keeps inline answers between quoted passages but never the quoted context', () => {
    const inline = [
      'On Mon, 23 Nov 2026 at 10:00, Jane Doe via Support <reply+abc.def@reply.example.test> wrote:',
      quote(CONTEXT),
      '>',
      '> Hi, I was charged twice for order #42.',
      '',
      'Refunded just now.',
      '',
      '> Jane',
    ].join('\n');
    const text = extractReplyText(stripContextBlock(inline, MARKER).text);
    expect(text).toBe('Refunded just now.');
  });

  it('normalises CRLF and returns an empty string when nothing new was written', () => {
    expect(extractReplyText('Thanks!\r\n\r\n> quoted\r\n')).toBe('Thanks!');
    expect(extractReplyText('> only a quote\n> more')).toBe('');
    expect(extractReplyText('')).toBe('');
  });

  it('removes a signature after a delimiter but keeps a sign-off', () => {
    expect(extractReplyText('Done.\n\nCheers,\nAlice\n\n-- \nAlice Smith | ACME | +1 555 0100')).toBe(
      'Done.\n\nCheers,\nAlice',
    );
    expect(extractReplyText('Done.\n\nSent from my iPhone')).toBe('Done.');
  });

  it('keeps a `-- ` signature when asked (the customer path), bounded, and never what follows it', () => {
    const signed = 'Done.\n\n-- \nAlice Smith\nACME | +1 555 0100\n\nOn Mon, Jane <j@c.test> wrote:\n> hi';
    expect(extractReplyText(signed, { keepSignature: true })).toBe(
      'Done.\n\n-- \nAlice Smith\nACME | +1 555 0100',
    );
    expect(extractReplyText(signed)).toBe('Done.');
    // Device lines are not a signature the owner wrote.
    expect(extractReplyText('Done.\n\nSent from my iPhone', { keepSignature: true })).toBe('Done.');
    const long = `Done.\n\n--\n${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}`;
    expect(extractReplyText(long, { keepSignature: true }).split('\n')).toHaveLength(13);
  });

  it.runIf(corpusAvailable())(
    'with the signature kept, reproduces talon’s expected Sparrow reply',
    async () => {
      const mail = await parseMail(corpusFile('replies-talon/standard_replies/sparrow.eml'));
      const expected = corpusFile('replies-talon/standard_replies/sparrow_reply_text').toString('utf8');
      const squash = (text: string) => text.replace(/[ \t]+$/gm, '').trim();
      expect(squash(extractReplyText(mail.text, { keepSignature: true }))).toBe(squash(expected));
    },
  );

  it('keeps ordinary lines that merely look like headers or end with a colon', () => {
    const text = 'Steps for 10:30 tomorrow:\n\n1. Open the app\n2. From: the menu, pick Settings';
    expect(extractReplyText(text)).toBe(text);
  });

  it('stays fast on very long input', () => {
    const long = 'Op de dag W dniu Den 1 Am 2 On 3 Le 4\n'.repeat(100_000);
    const started = Date.now();
    extractReplyText(long);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('the context block cut, on replies to our relays', () => {
  it('removes quoted copies of the block at any quote depth', () => {
    const quoted = `answer\n${quote(CONTEXT)}\n> customer text\n>> ${MARKER.start}\n>> old secret\n> > ${MARKER.end}\nend`;
    const stripped = stripContextBlock(quoted, MARKER).text;
    expect(stripped).toBe('answer\n> customer text\nend');
    expect(stripped).not.toMatch(/secret|Internal note/);
  });
});

describe('extractReplyText on an attribution wrapped over two lines', () => {
  const header = [
    'Bedankt, dat werkt.',
    '',
    'Op 12 december 2016 19:05 schreef Company Questions <',
    'questions@company.com>:',
    '',
  ];

  it('hides a wrapped quoted line that lost its `>`: the quote starts at the header', () => {
    const text = [
      ...header,
      '> Beste klant, wij hebben uw bestelling ontvangen en sturen deze morgen',
      'op, samen met de factuur.',
      '> Met vriendelijke groet,',
    ].join('\n');
    expect(extractReplyText(text)).toBe('Bedankt, dat werkt.');
  });

  it('keeps an inline answer set apart from the quote by a blank line', () => {
    const text = [
      ...header,
      '> Beste klant, wij hebben uw bestelling ontvangen en sturen deze morgen',
      'op, samen met de factuur.',
      '',
      'De factuur is al onderweg.',
      '',
      '> Met vriendelijke groet,',
    ].join('\n');
    expect(extractReplyText(text)).toBe('Bedankt, dat werkt.\nDe factuur is al onderweg.');
  });
});
