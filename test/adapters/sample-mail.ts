import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { OutgoingMail } from '../../lib/ports/mail-sender.js';

/**
 * A realistic outgoing mail built by MailComposer: threading headers, 8-bit text, a line starting with a
 * dot (SMTP dot-stuffing) and a binary attachment.
 */
export async function sampleMail(
  overrides: { attachmentBytes?: number; subject?: string } = {},
): Promise<OutgoingMail> {
  const id = randomBytes(6).toString('hex');
  const messageId = `<${id}@support.example.test>`;
  const composer = new MailComposer({
    from: '"Alice Smith" <support@example.test>',
    to: '"Jane Doe" <jane@customer.test>',
    subject: overrides.subject ?? 'Re: Printer on fire — déjà vu',
    messageId,
    inReplyTo: '<customer-1@customer.test>',
    references: ['<customer-1@customer.test>', '<ours-0@support.example.test>'],
    headers: { 'X-Spoc-Conversation': 'conv-1' },
    text: 'Hello Jane,\r\n.leading dot line\r\nünïcödé text\r\n',
    attachments: [
      {
        filename: 'log.bin',
        content: randomBytes(overrides.attachmentBytes ?? 2048),
        contentType: 'application/octet-stream',
      },
    ],
  });
  const raw = await composer.compile().build();
  return {
    raw,
    envelope: { from: 'bounces@example.test', to: ['jane@customer.test', 'copy@customer.test'] },
    messageId,
  };
}
