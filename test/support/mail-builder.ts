import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { CapturedMail } from './handler-rig.js';

/** Raw MIME of a mail as a client would write it (nodemailer, independent of the product's composer). */
export function rawMail(options: Mail.Options): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/** A customer's mail to the support address. */
export function customerMail(
  from: string,
  subject: string,
  text: string,
  extra: Partial<Mail.Options> = {},
): Promise<Buffer> {
  return rawMail({ from, to: 'support@example.test', subject, text, ...extra });
}

/** The signed reply address a relay carries. */
export function replyAddressOf(relay: CapturedMail): string {
  const address = relay.mail.replyTo[0]?.address;
  if (!address) throw new Error(`relay ${relay.messageId} has no Reply-To`);
  return address;
}

/** An owner's answer to a relay, quoting it the way Gmail does. */
export function ownerAnswer(
  relay: CapturedMail,
  from: string,
  answer: string,
  extra: Partial<Mail.Options> = {},
): Promise<Buffer> {
  const quoted = relay.mail.text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
  return rawMail({
    from,
    to: replyAddressOf(relay),
    subject: `Re: ${relay.mail.subject}`,
    text: `${answer}\n\nOn Mon, Nov 23, 2026 at 10:00 AM Support wrote:\n${quoted}\n`,
    inReplyTo: relay.messageId,
    references: [relay.messageId],
    ...extra,
  });
}
