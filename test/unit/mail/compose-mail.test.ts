import { describe, expect, it } from 'vitest';
import { composeMail, newMessageId } from '../../../lib/mail/compose-mail.js';
import type { ComposeInput } from '../../../lib/mail/mail-types.js';
import { parseMail } from '../../../lib/mail/parse-mail.js';

/** The header block of a raw message, unfolded, one header per entry. */
function headerLines(raw: Buffer): string[] {
  const text = raw.toString('latin1');
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return head.replace(/\r\n(?=[ \t])/g, '').split('\r\n');
}

const base: ComposeInput = {
  from: { name: 'Alice Smith', address: 'support@example.test' },
  to: [{ name: 'Jane Doe', address: 'jane@customer.test' }],
  subject: 'Re: Charged twice',
  text: 'Hello Jane,\n\nthe refund is on its way.\n\nAlice',
  messageId: '<m1@example.test>',
};

describe('composeMail → parseMail round trip', () => {
  it('keeps Japanese, Cyrillic and emoji names, subject and file names unchanged', async () => {
    const input: ComposeInput = {
      ...base,
      from: { name: 'Алиса Смирнова 🎧', address: 'support@example.test' },
      to: [{ name: '山田 太郎', address: 'taro@customer.test' }],
      cc: [{ name: 'Ёжик «в тумане»', address: 'hedgehog@customer.test' }],
      replyTo: { name: 'Jane Doe via Support 📨', address: 'reply+abc.def@reply.example.test' },
      subject: 'Re: お問い合わせ — Привет 🚀 (order #42)',
      text: 'こんにちは\nПривет 👋',
      html: '<p>こんにちは <img src="cid:logo@example.test"></p>',
      attachments: [
        {
          filename: 'счёт №42 — 請求書 🧾.pdf',
          contentType: 'application/pdf',
          content: Buffer.from('%PDF-1.4 test'),
          inline: false,
        },
        {
          filename: 'logo.png',
          contentType: 'image/png',
          content: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
          contentId: 'logo@example.test',
          inline: true,
        },
      ],
    };
    const raw = await composeMail(input);
    // Every header byte is ASCII: the non-ASCII text went through RFC 2047 / RFC 2231.
    expect(headerLines(raw).every((line) => /^[\x20-\x7e\t]*$/.test(line))).toBe(true);

    const mail = await parseMail(raw);
    expect(mail.from).toEqual(input.from);
    expect(mail.to).toEqual(input.to);
    expect(mail.cc).toEqual(input.cc);
    expect(mail.replyTo).toEqual([input.replyTo]);
    expect(mail.subject).toBe(input.subject);
    expect(mail.text.trim()).toBe(input.text);
    expect(mail.html).toContain('cid:logo@example.test');
    const byName = new Map(mail.attachments.map((a) => [a.filename, a]));
    expect([...byName.keys()].sort()).toEqual(['logo.png', 'счёт №42 — 請求書 🧾.pdf']);
    expect(byName.get('счёт №42 — 請求書 🧾.pdf')).toMatchObject({
      contentType: 'application/pdf',
      inline: false,
    });
    expect(byName.get('счёт №42 — 請求書 🧾.pdf')?.content.toString()).toBe('%PDF-1.4 test');
    expect(byName.get('logo.png')).toMatchObject({ contentId: 'logo@example.test', inline: true, size: 4 });
  });

  it('sets Message-ID, In-Reply-To, References and extra headers exactly', async () => {
    const raw = await composeMail({
      ...base,
      messageId: '<0b6c6a3e-1f1b-4d6e-9c55-3b1ad2f5b9a1@example.test>',
      inReplyTo: '<CAB+x=1@mail.gmail.com>',
      references: [
        '<first@customer.test>',
        '<010f0190abc-000000@email.amazonses.com>',
        '<CAB+x=1@mail.gmail.com>',
      ],
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Spoc-Conversation': 'conv-123' },
      date: new Date('2026-11-23T10:00:00Z'),
    });
    const lines = headerLines(raw);
    expect(lines).toContain('Message-ID: <0b6c6a3e-1f1b-4d6e-9c55-3b1ad2f5b9a1@example.test>');
    expect(lines).toContain('In-Reply-To: <CAB+x=1@mail.gmail.com>');
    expect(lines).toContain(
      'References: <first@customer.test> <010f0190abc-000000@email.amazonses.com> <CAB+x=1@mail.gmail.com>',
    );
    expect(lines).toContain('Auto-Submitted: auto-replied');
    expect(lines).toContain('X-Spoc-Conversation: conv-123');

    const mail = await parseMail(raw);
    expect(mail.messageId).toBe('<0b6c6a3e-1f1b-4d6e-9c55-3b1ad2f5b9a1@example.test>');
    expect(mail.inReplyTo).toBe('<CAB+x=1@mail.gmail.com>');
    expect(mail.references).toEqual([
      '<first@customer.test>',
      '<010f0190abc-000000@email.amazonses.com>',
      '<CAB+x=1@mail.gmail.com>',
    ]);
    expect(mail.date?.toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(mail.headers.get('x-spoc-conversation')).toEqual(['conv-123']);
  });

  it('uses CRLF line endings throughout', async () => {
    const raw = (await composeMail(base)).toString('latin1');
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('cannot be made to inject a header through names, subject, file names or header values', async () => {
    const raw = await composeMail({
      ...base,
      from: { name: 'Alice\r\nBcc: evil@attacker.test', address: 'support@example.test' },
      to: [{ name: 'Jane\nX-Injected: 1', address: 'jane@customer.test' }],
      replyTo: { name: 'Reply\rBcc: evil2@attacker.test', address: 'reply+x@reply.example.test' },
      subject: 'Hello\r\nBcc: evil3@attacker.test\r\n\r\nfake body',
      headers: { 'X-Spoc-Conversation': 'c1\r\nBcc: evil4@attacker.test' },
      attachments: [
        {
          filename: 'a.txt\r\nContent-Type: text/html',
          contentType: 'text/plain',
          content: Buffer.from('x'),
          inline: false,
        },
      ],
    });
    const names = headerLines(raw).map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
    expect(names).not.toContain('bcc');
    expect(names).not.toContain('x-injected');
    expect(names.filter((name) => name === 'content-type')).toHaveLength(1);

    const mail = await parseMail(raw);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.headers.has('x-injected')).toBe(false);
    expect(mail.from?.name).toBe('Alice Bcc: evil@attacker.test');
    expect(mail.subject).toBe('Hello Bcc: evil3@attacker.test fake body');
    expect(mail.headers.get('x-spoc-conversation')).toEqual(['c1 Bcc: evil4@attacker.test']);
    expect(mail.attachments.map((a) => a.contentType)).toEqual(['text/plain']);
  });

  it('refuses an invalid extra header name', async () => {
    await expect(composeMail({ ...base, headers: { 'X-Bad\r\nBcc': 'x' } })).rejects.toThrow(TypeError);
    await expect(composeMail({ ...base, headers: { 'X Bad': 'x' } })).rejects.toThrow(TypeError);
  });
});

describe('newMessageId', () => {
  it('returns a unique bracketed id on the given domain', () => {
    const first = newMessageId('Example.TEST');
    expect(first).toMatch(/^<[0-9a-f-]{36}@example\.test>$/);
    expect(newMessageId('example.test')).not.toBe(first);
  });
});
