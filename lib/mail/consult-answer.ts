import { displayNameOr } from '../domain/mail-address.js';
import { trimReferences } from '../domain/thread-conversation.js';
import { threadIndex, threadTopic } from '../domain/thread-index.js';
import type { Conversation } from '../domain/types.js';
import { CONTEXT_MARKERS, neutraliseMarkers } from './context-block.js';
import { displayText, MAX_NAME_LENGTH } from './display-text.js';
import type { ComposeInput, MailAddress, ParsedMail } from './mail-types.js';
import { extractReplyText } from './reply-text.js';
import { stripContextBlock } from './strip-context-block.js';

/**
 * A colleague's answer as the owner reads it and the conversation stores it (an internal note): the
 * quoted question and conversation removed with the reply-text stripping every reply gets, the
 * question's internal block too when the colleague answered inside it, marker lines they typed
 * neutralised. `''` when they wrote nothing new. Commands in it are text: nothing reads them.
 */
export function consultAnswerText(mail: Pick<ParsedMail, 'text'>): string {
  return neutraliseMarkers(extractReplyText(stripContextBlock(mail.text, CONTEXT_MARKERS).text));
}

/** Everything the mail relaying a colleague's answer to the owner needs. */
export interface ConsultAnswerInput {
  /** The colleague's mail, parsed. */
  mail: ParsedMail;
  colleague: MailAddress;
  /** The conversation's owner now (after a handoff, the new one), the only one who receives it. */
  owner: MailAddress;
  conversation: Pick<Conversation, 'id' | 'subject' | 'createdAt' | 'ownerThread'>;
  customer: MailAddress;
  /** The conversation's reply address: the owner's Reply to this mail answers the customer. */
  replyAddress: string;
  supportName: string;
  supportAddress: string;
  messageId: string;
  date?: Date;
}

/**
 * The mail an owner receives when a colleague answers their question: from "<colleague> (consulted) via
 * <support>", threaded into the conversation on the owner's side (same subject, `In-Reply-To`,
 * `References`, Outlook's thread fields), a short internal block, then the colleague's answer with its
 * quote stripped and every attachment (inline images as plain attachments, since the answer goes as
 * text). Its From and `Reply-To` are the conversation's reply address, so the owner's Reply answers the
 * customer in the owner's own words: the colleague's text, quoted there, is removed like any quote.
 */
export function buildConsultAnswer(input: ConsultAnswerInput): ComposeInput {
  const colleagueName = displayText(
    displayNameOr(input.colleague.name, input.colleague.address),
    MAX_NAME_LENGTH / 2,
  );
  const from = { address: input.replyAddress, name: `${colleagueName} (consulted) via ${input.supportName}` };
  const customerName = displayText(
    displayNameOr(input.customer.name, input.customer.address),
    MAX_NAME_LENGTH,
  );
  const ownerName = displayText(displayNameOr(input.owner.name, input.owner.address), MAX_NAME_LENGTH);
  const answer = consultAnswerText(input.mail);
  const attachments = input.mail.attachments;
  const text = [
    CONTEXT_MARKERS.start,
    `${colleagueName} <${input.colleague.address}> answered your internal question on conversation ${input.conversation.id} with ${customerName}. Only you receive this.`,
    `Reply to answer the customer: they receive your own words from "${ownerName}" <${input.supportAddress}>, never this answer.`,
    CONTEXT_MARKERS.end,
    '',
    answer || (attachments.length > 0 ? '(no text: see the attachments)' : '(no text)'),
    '',
  ].join('\n');
  const subject = input.conversation.subject.trim() || '(no subject)';
  const { ownerThread } = input.conversation;
  const previous = ownerThread.at(-1);
  return {
    from,
    to: [input.owner],
    replyTo: from,
    subject,
    text,
    attachments: attachments.map(({ filename, contentType, content }) => ({
      filename,
      contentType,
      content,
      inline: false,
    })),
    messageId: input.messageId,
    ...(previous === undefined ? {} : { inReplyTo: previous, references: trimReferences(ownerThread) }),
    headers: {
      'Thread-Topic': threadTopic(subject),
      'Thread-Index': threadIndex(
        input.conversation.id,
        new Date(input.conversation.createdAt),
        ownerThread.length,
      ),
      // Machine-forwarded like a relay: the owner's out-of-office responder stays quiet.
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'X-Spoc-Conversation': input.conversation.id,
    },
    ...(input.date ? { date: input.date } : {}),
  };
}
