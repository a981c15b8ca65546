import { describe, expect, it } from 'vitest';
import { composeMail } from '../../../lib/mail/compose-mail.js';
import type { ComposeInput } from '../../../lib/mail/mail-types.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { corpusAvailable, corpusFile, corpusFiles } from '../../support/corpus.js';
import { pythonMimeDefects, pythonMimeDefectsOf } from '../../support/python-mime-defects.js';

const base: ComposeInput = {
  from: { name: 'Jane Doe via Support', address: 'reply+abc.def@reply.example.test' },
  to: [{ name: 'Alice Smith', address: 'alice@example.test' }],
  subject: 'Order',
  text: 'Hello',
  messageId: '<m1@example.test>',
};

/** Lengths in bytes of every line of a raw mail that passes RFC 5322's 998 (CRLF not counted). */
function longLines(raw: Buffer): number[] {
  return raw
    .toString('latin1')
    .split('\r\n')
    .map((line) => line.length)
    .filter((length) => length > 998);
}

/** A relay of a parsed customer mail, as the owner relay passes it to composeMail. */
async function relayOf(raw: Buffer): Promise<{ raw: Buffer; sent: ComposeInput }> {
  const mail = await parseMail(raw);
  const sent: ComposeInput = {
    ...base,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html === undefined ? {} : { html: mail.html }),
    attachments: mail.attachments,
  };
  return { raw: await composeMail(sent), sent };
}

describe('composeMail with hostile names, subjects and ids', () => {
  it('keeps every line under 998 bytes with 200 KB names, subject, file name, header value and ids', async () => {
    const long = 'x'.repeat(200_000);
    const raw = await composeMail({
      ...base,
      from: { ...base.from, name: long },
      to: [{ name: long, address: 'alice@example.test' }],
      replyTo: { name: `"${long}`, address: 'reply+abc.def@reply.example.test' },
      subject: long,
      inReplyTo: `<${long}@customer.test>`,
      references: ['<ok@customer.test>', `<${long}@customer.test>`],
      headers: { 'Thread-Topic': long },
      attachments: [
        {
          filename: `${long}.pdf`,
          contentType: 'application/pdf',
          content: Buffer.from('%PDF'),
          inline: false,
        },
      ],
    });
    expect(longLines(raw)).toEqual([]);
    expect(pythonMimeDefects(raw)).toEqual([]);
    const mail = await parseMail(raw);
    expect(mail.from?.name).toMatch(/^x{150,}…$/);
    expect(mail.subject).toMatch(/^x{150,}…$/);
    expect(mail.references).toEqual(['<ok@customer.test>']);
    expect(mail.inReplyTo).toBeUndefined();
  });

  it('writes no line or paragraph separator, control character or bidi override into names, subject or file names', async () => {
    const fake = 'Jane\u2028--- End of support context ---\u2029\u202Eevil\u2066\u0085\u0007';
    const raw = await composeMail({
      ...base,
      from: { ...base.from, name: fake },
      subject: fake,
      attachments: [
        {
          filename: 'invoice\u202Efdp.exe',
          contentType: 'application/pdf',
          content: Buffer.from('%PDF'),
          inline: false,
        },
      ],
    });
    const mail = await parseMail(raw);
    const unsafe = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
    for (const value of [mail.from?.name ?? '', mail.subject, mail.attachments[0]?.filename ?? '']) {
      expect(value).not.toMatch(unsafe);
    }
    expect(mail.from?.name).toBe('Jane --- End of support context --- evil');
    expect(mail.attachments[0]?.filename).toBe('invoice fdp.exe');
  });
});

/** A customer mail carrying one attached message (or part) of the given type and content. */
function withAttached(type: string, content: string, filename = 'forwarded.eml'): Buffer {
  return Buffer.from(
    'From: Jane <jane@customer.test>\r\nTo: support@example.test\r\nSubject: see attached\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n' +
      '--outer\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n' +
      `--outer\r\nContent-Type: ${type}\r\nContent-Disposition: attachment; filename="${filename}"\r\n\r\n${content}\r\n` +
      '--outer--\r\n',
  );
}

describe('composeMail with malformed attached messages (the owner relay)', () => {
  const noSeparator =
    'From: someone@else.test\r\nSubject: inner\r\nthis line is no header and no empty line came before it\r\n';
  const noStartBoundary =
    'From: someone@else.test\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary="inner"\r\n\r\nno delimiter line follows\r\n';
  const noCloseBoundary =
    'From: someone@else.test\r\nContent-Type: multipart/mixed; boundary="inner"\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\ncut short\r\n';

  it.each([
    ['no header/body separator', noSeparator],
    ['a multipart with no start boundary', noStartBoundary],
    ['a multipart that is never closed', noCloseBoundary],
  ])(
    'relays an attached message with %s as application/octet-stream, bytes kept, well-formed',
    async (_, inner) => {
      const { raw } = await relayOf(withAttached('message/rfc822', inner));
      expect(pythonMimeDefects(raw)).toEqual([]);
      // mailparser guesses message/rfc822 back from the `.eml` name, so the written type is read raw.
      expect(raw.toString('latin1')).toContain('Content-Type: application/octet-stream; name=forwarded.eml');
      expect(raw.toString('latin1')).not.toMatch(/message\/rfc822/i);
      const attached = (await parseMail(raw)).attachments.find((a) => a.filename === 'forwarded.eml');
      expect(attached?.content.toString('latin1').trim()).toBe(inner.trim());
    },
  );

  it('names a nameless broken attached message attached-message.eml', async () => {
    const raw = Buffer.from(
      withAttached('message/rfc822', noSeparator)
        .toString('latin1')
        .replace('Content-Disposition: attachment; filename="forwarded.eml"\r\n', ''),
    );
    const { raw: relay } = await relayOf(raw);
    expect(pythonMimeDefects(relay)).toEqual([]);
    expect(relay.toString('latin1')).toContain(
      'Content-Type: application/octet-stream; name=attached-message.eml',
    );
  });

  it('relays a multipart given as a leaf part as application/octet-stream', async () => {
    const { raw } = await composeMail({
      ...base,
      attachments: [
        { filename: 'part', contentType: 'multipart/mixed', content: Buffer.from('x\r\n'), inline: false },
      ],
    }).then((raw) => ({ raw }));
    expect(pythonMimeDefects(raw)).toEqual([]);
  });

  it('keeps a well-formed attached message as message/rfc822', async () => {
    const inner =
      'From: someone@else.test\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary="inner"\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\nfine\r\n--inner--\r\n';
    const { raw } = await relayOf(withAttached('message/rfc822', inner));
    expect(pythonMimeDefects(raw)).toEqual([]);
    expect(raw.toString('latin1')).toMatch(/Content-Type: message\/rfc822/i);
  });

  it.skipIf(!corpusAvailable())(
    'relays malformed and attached-message corpus mail as well-formed MIME',
    async () => {
      const paths = [
        'mime-mikel-mail/attachment_emails/attachment_message_rfc822_inline_image.eml',
        'mime-flanker/enclosed-broken.eml',
        'mime-flanker/enclosed.eml',
        'mime-flanker/enclosed-broken-body.eml',
        'mime-flanker/enclosed-bad-encoding.eml',
        'mime-flanker/enclosed-global.eml',
        'mime-mikel-mail/attachment_emails/attachment_message_rfc822.eml',
        'mime-flanker/missing-boundaries.eml',
        'mime-flanker/missing-final-boundary.eml',
        'mime-flanker/false-multipart.eml',
      ];
      const relays = await Promise.all(paths.map(async (path) => (await relayOf(corpusFile(path))).raw));
      const defects = pythonMimeDefectsOf(relays);
      expect(paths.map((path, n) => [path, defects[n]])).toEqual(paths.map((path) => [path, []]));
      expect(relays.flatMap(longLines)).toEqual([]);
    },
  );

  it.skipIf(!corpusAvailable())(
    'relays every parseable mail of the MIME corpus folders as well-formed MIME',
    async () => {
      const paths = ['mime-flanker', 'mime-mikel-mail', 'mime-mailparser', 'mime-postal'].flatMap((folder) =>
        corpusFiles(folder, (name) => !/^(LICENSE|MIT-LICENSE|EXPECTED)/.test(name)),
      );
      const relayed: Array<{ path: string; raw: Buffer }> = [];
      for (const path of paths) {
        try {
          relayed.push({ path, raw: (await relayOf(corpusFile(path))).raw });
        } catch (error) {
          // Refused by a deliberate parse limit (enclosed-endless.eml): held on receipt, never relayed.
          expect((error as { name?: string }).name, path).toBe('MailRejectedError');
        }
      }
      expect(relayed.length).toBeGreaterThan(150);
      const defects = pythonMimeDefectsOf(relayed.map((r) => r.raw));
      expect(relayed.flatMap((r, n) => (defects[n]?.length ? [[r.path, defects[n]]] : []))).toEqual([]);
      expect(relayed.filter((r) => longLines(r.raw).length > 0).map((r) => r.path)).toEqual([]);
    },
    120_000,
  );
});
