import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../lib/mail/parse-mail.js';
import { corpusAvailable, corpusFile } from '../../support/corpus.js';

const HEAD =
  'From: jane@customer.test\r\nTo: support@example.test\r\nSubject: nested\r\nMIME-Version: 1.0\r\n';

/** Messages inside messages, `depth` deep, with no boundary anywhere. */
function messagesInMessages(depth: number): Buffer {
  let body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let level = 0; level < depth; level += 1) body = `Content-Type: message/rfc822\r\n\r\n${body}`;
  return Buffer.from(`${HEAD}${body}`);
}

/** Forwarded messages inside forwarded messages, each level a multipart/mixed holding the next. */
function forwardsInForwards(levels: number): Buffer {
  let message = 'Subject: original\r\nContent-Type: text/plain\r\n\r\nthe original\r\n';
  for (let level = levels; level > 0; level -= 1) {
    message =
      `Subject: fwd ${level}\r\nContent-Type: multipart/mixed; boundary="f${level}"\r\n\r\n` +
      `--f${level}\r\nContent-Type: text/plain\r\n\r\nsee below\r\n` +
      `--f${level}\r\nContent-Type: message/rfc822\r\n\r\n${message}--f${level}--\r\n`;
  }
  return Buffer.from(`From: jane@customer.test\r\nTo: support@example.test\r\n${message}`);
}

/** `count` attached messages side by side in one multipart: wide, not deep. */
function siblingMessages(count: number): Buffer {
  const parts = Array.from(
    { length: count },
    (_, n) => `--s\r\nContent-Type: message/rfc822\r\n\r\nSubject: attached ${n}\r\n\r\nbody ${n}\r\n`,
  );
  return Buffer.from(`${HEAD}Content-Type: multipart/mixed; boundary="s"\r\n\r\n${parts.join('')}--s--\r\n`);
}

describe('parseMail counts nesting through attached messages (message/rfc822)', () => {
  it('rejects messages nested 3,000 deep without a single boundary', async () => {
    await expect(parseMail(messagesInMessages(3000))).rejects.toMatchObject({ reason: 'too-deep' });
  });

  it('counts the levels a message/rfc822 adds to multipart nesting', async () => {
    // 20 forwards: 40 levels (one multipart and one message each), over the default of 32.
    await expect(parseMail(forwardsInForwards(20))).rejects.toMatchObject({ reason: 'too-deep' });
    await expect(parseMail(forwardsInForwards(5), { maxDepth: 9 })).rejects.toMatchObject({
      reason: 'too-deep',
    });
    const accepted = await parseMail(forwardsInForwards(5), { maxDepth: 10 });
    expect(accepted.subject).toBe('fwd 1');
  });

  it('does not count attached messages side by side as depth', async () => {
    const mail = await parseMail(siblingMessages(100), { maxDepth: 2 });
    expect(mail.attachments.length).toBe(100);
    await expect(parseMail(messagesInMessages(2), { maxDepth: 2 })).resolves.toBeDefined();
  });

  it.runIf(corpusAvailable())('still accepts the corpus mails that carry attached messages', async () => {
    for (const path of [
      'mime-flanker/enclosed.eml',
      'mime-flanker/enclosed-global.eml',
      'mime-mikel-mail/attachment_emails/attachment_message_rfc822.eml',
      'mime-mikel-mail/mime_emails/raw_email_with_nested_attachment.eml',
    ]) {
      await expect(parseMail(corpusFile(path), { maxDepth: 4 }), path).resolves.toBeDefined();
    }
  });
});
