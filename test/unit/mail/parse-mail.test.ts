import { describe, expect, it } from 'vitest';
import { MailRejectedError } from '../../../lib/domain/errors.js';
import type { ParsedMail } from '../../../lib/mail/mail-types.js';
import { DEFAULT_PARSE_LIMITS, parseMail } from '../../../lib/mail/parse-mail.js';
import { corpusAvailable, corpusFile, corpusFiles } from '../../support/corpus.js';

const MESSAGE_ID = /^<[^<>\s]+>$/;

/** Every invariant the parser promises at the boundary; returns the violations found. */
function violations(mail: ParsedMail, raw: Buffer): string[] {
  const found: string[] = [];
  const addresses = [mail.from, ...mail.to, ...mail.cc, ...mail.replyTo].filter((a) => a !== undefined);
  for (const { address, name } of addresses) {
    if (address !== address.trim().toLowerCase() || address === '')
      found.push(`address ${JSON.stringify(address)}`);
    if (/[\r\n]/.test(name) || name !== name.trim()) found.push(`name ${JSON.stringify(name)}`);
  }
  if (!Array.isArray(mail.references)) found.push('references not an array');
  for (const id of [mail.messageId, mail.inReplyTo, ...mail.references]) {
    if (id !== undefined && !MESSAGE_ID.test(id)) found.push(`message id ${JSON.stringify(id)}`);
  }
  for (const name of mail.headers.keys()) if (name !== name.toLowerCase()) found.push(`header ${name}`);
  for (const values of mail.headers.values()) {
    if (values.some((value) => /\r|\n/.test(value))) found.push('folded header value');
  }
  if (mail.contentType !== mail.contentType.toLowerCase() || mail.contentType === '')
    found.push('content type');
  if (mail.reportType !== undefined && mail.reportType !== mail.reportType.toLowerCase())
    found.push('report type');
  if (typeof mail.text !== 'string' || /[\r\n]/.test(mail.subject)) found.push('text/subject');
  if (mail.sizeBytes !== raw.length) found.push('sizeBytes');
  if (mail.date !== undefined && Number.isNaN(mail.date.getTime())) found.push('invalid date');
  for (const attachment of mail.attachments) {
    if (!Buffer.isBuffer(attachment.content) || attachment.size !== attachment.content.length) {
      found.push(`attachment ${attachment.filename}`);
    }
    if (attachment.contentId?.startsWith('<')) found.push('bracketed content id');
  }
  return found;
}

/** Files rejected on purpose by a default limit, with the expected reason. */
const DELIBERATELY_REJECTED: Record<string, string> = {
  // 3042 nested message/rfc822 parts: a parser-exhaustion sample, over `maxParts`.
  'mime-flanker/enclosed-endless.eml': 'too-many-parts',
};

async function parseAll(folder: string): Promise<{ parsed: number; problems: string[] }> {
  const files = corpusFiles(folder, (name) => name.endsWith('.eml'));
  const problems: string[] = [];
  let parsed = 0;
  for (const file of files) {
    const raw = corpusFile(file);
    try {
      const mail = await parseMail(raw);
      parsed += 1;
      for (const violation of violations(mail, raw)) problems.push(`${file}: ${violation}`);
      if (DELIBERATELY_REJECTED[file]) problems.push(`${file}: expected a rejection`);
    } catch (error) {
      const expected = DELIBERATELY_REJECTED[file];
      if (!(error instanceof MailRejectedError) || error.reason !== expected) {
        problems.push(`${file}: ${String(error)}`);
      }
    }
  }
  return { parsed, problems };
}

describe.skipIf(!corpusAvailable())('parseMail on the corpus', () => {
  it('parses all 629 sisimai bounces and keeps the invariants', async () => {
    const { parsed, problems } = await parseAll('bounces-sisimai');
    expect(problems).toEqual([]);
    expect(parsed).toBe(629);
  });

  it.each(['mime-mailparser', 'mime-postal', 'mime-mikel-mail', 'mime-flanker'])(
    'parses every message in %s (or rejects it by a deliberate limit)',
    async (folder) => {
      const { parsed, problems } = await parseAll(folder);
      expect(problems).toEqual([]);
      expect(parsed).toBeGreaterThan(0);
    },
  );

  it('decodes non-ASCII subjects, names and file names (ISO-2022-JP, Shift_JIS, UTF-8, ks_c_5601-1987)', async () => {
    const iso2022 = await parseMail(corpusFile('mime-mikel-mail/multi_charset/japanese_iso_2022.eml'));
    expect(iso2022.subject).toBe('まみむめも');
    expect(iso2022.to).toEqual([{ address: 'raasdnil@gmail.com', name: 'みける' }]);
    expect(iso2022.text.trim()).toBe('すみません。');

    const sjis = await parseMail(corpusFile('mime-mikel-mail/multi_charset/japanese_shift_jis.eml'));
    expect(sjis.text).toContain('このメールはテスト用のメールです。');

    const korean = await parseMail(corpusFile('mime-mikel-mail/multi_charset/ks_c_5601-1987.eml'));
    expect(korean.text.trim()).toBe('스티해');

    const attachment = await parseMail(
      corpusFile('mime-mikel-mail/multi_charset/japanese_attachment_long_name.eml'),
    );
    expect(attachment.subject).toBe('まみむめも'.repeat(10));
    expect(attachment.attachments.map((a) => a.filename)).toEqual([`${'かきくけこ'.repeat(5)}.txt`]);
  });

  it('tolerates unknown and misspelt charsets', async () => {
    const unknown = await parseMail(corpusFile('mime-mikel-mail/plain_emails/raw_email10.eml')); // x-unknown
    expect(unknown.text).toContain('Test test. Hi. Waving.');
    const misspelt = await parseMail(corpusFile('bounces-sisimai/lhost-x3-02.eml')); // uft-8
    expect(misspelt.text).toContain('Delivery Status Notification');
    const utf7 = await parseMail(corpusFile('bounces-sisimai/lhost-outlook-01.eml')); // unicode-1-1-utf-7
    expect(utf7.contentType).toBe('multipart/report');
  });

  it('keeps the text of MIME with missing boundaries', async () => {
    const missing = await parseMail(corpusFile('mime-flanker/missing-boundaries.eml'));
    expect(missing.text).toContain('Hi This is a broken message');
    const noFinal = await parseMail(corpusFile('mime-flanker/missing-final-boundary.eml'));
    expect(noFinal.contentType).toBe('multipart/alternative');
    expect(noFinal.text.trim()).toBe('Some body');
  });

  it('accepts the 205 KB header of long-header.eml under the default limit, rejects it under a lower one', async () => {
    const raw = corpusFile('mime-flanker/long-header.eml');
    const mail = await parseMail(raw);
    expect(mail.subject).toMatch(/^Die heiße Zypernsonne/);
    await expect(parseMail(raw, { maxHeaderBytes: 100 * 1024 })).rejects.toMatchObject({
      name: 'MailRejectedError',
      reason: 'header-too-large',
    });
  });

  it('reports multipart/report types and normalises odd threading headers', async () => {
    const dsn = await parseMail(corpusFile('mime-mailparser/delivery-status.eml'));
    expect(dsn.contentType).toBe('multipart/report');
    expect(dsn.reportType).toBe('delivery-status');
    const arf = await parseMail(corpusFile('mime-postal/arf.eml'));
    expect(arf.reportType).toBe('feedback-report');

    const refs = await parseMail(
      corpusFile('mime-mikel-mail/error_emails/multiple_references_with_one_invalid.eml'),
    );
    expect(refs.references).toEqual(['<foo@bar.net>', '<baz@bar.net>', '<invalid.>']);
    const bareInReplyTo = await parseMail(corpusFile('mime-mikel-mail/error_emails/bad_date_header.eml'));
    expect(bareInReplyTo.inReplyTo).toBe('<someone@yahoo.com>');
    // An empty Date header gives no date (mailparser alone would substitute the current time).
    expect(bareInReplyTo.date).toBeUndefined();
  });
});

function rfc822(headers: string, body: string): Buffer {
  return Buffer.from(`${headers.trim().split('\n').join('\r\n')}\r\n\r\n${body.split('\n').join('\r\n')}`);
}

describe('parseMail normalisation', () => {
  it('lower-cases addresses, flattens groups, cleans names and brackets ids', async () => {
    const mail = await parseMail(
      rfc822(
        `
From: "  Jane  Doe " <Jane.Doe@Example.COM>
To: Team: A@X.Example, "B" <b@y.example>;, undisclosed-recipients:;
Cc: =?UTF-8?B?SmFuZQ0KQmNjOiBldmlsQGV4YW1wbGUuY29t?= <c@z.example>
Message-ID: abc@example.com
In-Reply-To: <one@example.com> (message from Bob)
References: <one@example.com>
Subject: Hello
Date: Mon, 23 Nov 2026 10:00:00 +0000
X-Custom: first
 folded
x-custom: second`,
        'Body',
      ),
    );
    expect(mail.from).toEqual({ address: 'jane.doe@example.com', name: 'Jane  Doe' });
    expect(mail.to.map((a) => a.address)).toEqual(['a@x.example', 'b@y.example']);
    expect(mail.cc).toEqual([{ address: 'c@z.example', name: 'Jane Bcc: evil@example.com' }]);
    expect(mail.messageId).toBe('<abc@example.com>');
    expect(mail.inReplyTo).toBe('<one@example.com>');
    expect(mail.references).toEqual(['<one@example.com>']);
    expect(mail.headers.get('x-custom')).toEqual(['first folded', 'second']);
    expect(mail.date?.toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(mail.contentType).toBe('text/plain');
  });

  it('splits references run together and drops duplicates', async () => {
    const mail = await parseMail(
      rfc822('From: a@b.example\nReferences: <a@x><b@x>\n <c@x> <a@x>\nSubject: s', 'x'),
    );
    expect(mail.references).toEqual(['<a@x>', '<b@x>', '<c@x>']);
  });

  it('derives the text from HTML when the mail has only HTML', async () => {
    const mail = await parseMail(
      rfc822(
        'From: a@b.example\nContent-Type: text/html; charset=utf-8',
        '<html><body><p>Hello <b>world</b></p><p>Second&nbsp;line</p></body></html>',
      ),
    );
    expect(mail.html).toContain('<b>world</b>');
    expect(mail.text).toMatch(/Hello world\s+Second\u00a0?\s?line/);
  });

  it('keeps inline parts as attachments with their Content-ID and cid: links in the HTML', async () => {
    const mail = await parseMail(
      rfc822(
        'From: a@b.example\nContent-Type: multipart/related; boundary=R',
        [
          '--R',
          'Content-Type: text/html',
          '',
          '<img src="cid:logo@x">',
          '--R',
          'Content-Type: image/PNG',
          'Content-ID: <logo@x>',
          'Content-Transfer-Encoding: base64',
          '',
          'iVBORw==',
          '--R--',
        ].join('\n'),
      ),
    );
    expect(mail.html).toContain('cid:logo@x');
    expect(mail.attachments).toMatchObject([
      { contentType: 'image/png', contentId: 'logo@x', inline: true, size: 4 },
    ]);
  });

  it('never throws on garbage', async () => {
    for (const raw of [
      Buffer.alloc(0),
      Buffer.from([0, 255, 13, 10, 13, 10, 200]),
      Buffer.from('no headers at all'),
    ]) {
      const mail = await parseMail(raw);
      expect(mail.references).toEqual([]);
      expect(mail.contentType).toBe('text/plain');
    }
  });
});

describe('parseMail limits', () => {
  it('uses SES inbound cap as the default size limit', () => {
    expect(DEFAULT_PARSE_LIMITS.maxBytes).toBe(40 * 1024 * 1024);
  });

  it('rejects an over-size message before parsing', async () => {
    const raw = Buffer.alloc(DEFAULT_PARSE_LIMITS.maxBytes + 1, 0x61);
    await expect(parseMail(raw)).rejects.toMatchObject({ name: 'MailRejectedError', reason: 'too-large' });
    await expect(parseMail(raw, { maxBytes: undefined })).rejects.toMatchObject({ reason: 'too-large' });
    await expect(parseMail(Buffer.from('Subject: x\r\n\r\nbody'), { maxBytes: 10 })).rejects.toBeInstanceOf(
      MailRejectedError,
    );
  });

  it('rejects too many parts', async () => {
    const parts = Array.from(
      { length: 20 },
      (_, i) => `--B\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`,
    ).join('');
    const raw = Buffer.from(`Content-Type: multipart/mixed; boundary=B\r\n\r\n${parts}--B--\r\n`);
    await expect(parseMail(raw, { maxParts: 10 })).rejects.toMatchObject({ reason: 'too-many-parts' });
    expect((await parseMail(raw)).text).toContain('part 19');
  });

  it('rejects deep nesting', async () => {
    const depth = 40;
    let body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
    for (let level = depth; level > 0; level -= 1) {
      body = `Content-Type: multipart/mixed; boundary="b${level}"\r\n\r\n--b${level}\r\n${body}--b${level}--\r\n`;
    }
    const raw = Buffer.from(`From: a@b.example\r\n${body}`);
    await expect(parseMail(raw)).rejects.toMatchObject({ reason: 'too-deep' });
    const mail = await parseMail(raw, { maxDepth: 64 });
    expect(mail.text).toContain('innermost');
  });

  it('counts nesting across a message far larger than what is scanned at once', async () => {
    // Folded boundary parameters and 8 KiB of text per level: the scan reads the message in pieces.
    const filler = `${'f'.repeat(76)}\r\n`.repeat(100);
    let body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
    for (let level = 40; level > 0; level -= 1) {
      body = `Content-Type: multipart/mixed;\r\n boundary="b${level}"\r\n\r\n${filler}--b${level}\r\n${body}--b${level}--\r\n${filler}`;
    }
    const raw = Buffer.from(`From: a@b.example\r\n${body}`);
    expect(raw.length).toBeGreaterThan(512 * 1024);
    await expect(parseMail(raw)).rejects.toMatchObject({ reason: 'too-deep' });
    expect((await parseMail(raw, { maxDepth: 40 })).text).toContain('innermost');
    await expect(parseMail(raw, { maxDepth: 40, maxParts: 40 })).rejects.toMatchObject({
      reason: 'too-many-parts',
    });
  });

  it('rejects an over-size header block, also inside a part', async () => {
    const big = `X-Filler: ${'x'.repeat(2000)}\r\n`.repeat(10);
    await expect(parseMail(Buffer.from(`${big}\r\nbody`), { maxHeaderBytes: 4096 })).rejects.toMatchObject({
      reason: 'header-too-large',
    });
    const nested = Buffer.from(
      `Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n${big}Content-Type: text/plain\r\n\r\nx\r\n--B--\r\n`,
    );
    await expect(parseMail(nested, { maxHeaderBytes: 4096 })).rejects.toMatchObject({
      reason: 'header-too-large',
    });
  });
});
