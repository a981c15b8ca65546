import type Mail from 'nodemailer/lib/mailer/index.js';
import type { ParsedMail } from '../../lib/mail/mail-types.js';

/** How a mail client lays out a reply: the answer on top, the original quoted below. */
export type ReplyStyle = 'gmail' | 'outlook' | 'apple-mail';

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
}

function fromLine(relay: ParsedMail): string {
  return `${relay.from?.name} <${relay.from?.address}>`;
}

/** The text body a given client writes when its user answers `relay` with `answer`. */
export function replyBody(style: ReplyStyle, relay: ParsedMail, answer: string): string {
  switch (style) {
    case 'gmail':
      return `${answer}\n\nOn Mon, Nov 23, 2026 at 10:00 AM ${fromLine(relay)} wrote:\n\n${quote(relay.text)}\n`;
    case 'outlook':
      return [
        answer,
        '',
        '________________________________',
        `From: ${fromLine(relay)}`,
        'Sent: Monday, November 23, 2026 10:00 AM',
        `To: ${relay.to.map((a) => `${a.name} <${a.address}>`).join('; ')}`,
        `Subject: ${relay.subject}`,
        '',
        relay.text,
        '',
      ].join('\n');
    case 'apple-mail':
      return `${answer}\n\n> On 23 Nov 2026, at 10:00, ${fromLine(relay)} wrote:\n> \n${quote(relay.text)}\n`;
  }
}

/** A complete reply from `owner` to a relay, as the owner's client would send it. */
export function ownerReply(
  style: ReplyStyle,
  relay: ParsedMail,
  owner: { address: string; name: string },
  answer: string,
  extra: Partial<Mail.Options> = {},
): Mail.Options {
  const replyTo = relay.replyTo[0]?.address ?? relay.from?.address ?? '';
  return {
    from: owner,
    to: replyTo,
    subject: `${style === 'outlook' ? 'RE' : 'Re'}: ${relay.subject}`,
    text: replyBody(style, relay, answer),
    ...(relay.messageId
      ? { inReplyTo: relay.messageId, references: [...relay.references, relay.messageId] }
      : {}),
    envelope: { from: owner.address, to: [replyTo] },
    ...extra,
  };
}
