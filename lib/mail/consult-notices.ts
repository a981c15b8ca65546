import { displayNameOr } from '../domain/mail-address.js';
import { displayText, MAX_NAME_LENGTH, MAX_SUBJECT_LENGTH } from './display-text.js';
import type { MailAddress } from './mail-types.js';
import type { OwnerNoticeInput } from './owner-notice.js';

/** What an owner's notice about a question says: handed to `buildOwnerNotice` with the addresses. */
export type ConsultNoticeText = Pick<OwnerNoticeInput, 'subject' | 'paragraphs'>;

/** The question a notice is about. */
export interface AskedQuestion {
  colleague: MailAddress;
  conversationId: string;
  /** The conversation's subject. */
  subject: string;
  /** ISO time the question went out. */
  askedAt: string;
}

function nameOf(colleague: MailAddress): string {
  return displayText(displayNameOr(colleague.name, colleague.address), MAX_NAME_LENGTH);
}

function about(question: AskedQuestion): string {
  const subject = displayText(question.subject, MAX_SUBJECT_LENGTH) || '(no subject)';
  return `question of ${question.askedAt.slice(0, 10)} on "${subject}" (conversation ${question.conversationId})`;
}

/**
 * Someone other than the colleague (or mail that could not be trusted) wrote to a colleague's consult
 * address. The owner learns who and why it was refused, never the mail's text: it may be anyone's.
 */
export function consultRefusedNotice(
  question: AskedQuestion,
  refused: { senderAddress: string; reason: string; rawKey: string },
): ConsultNoticeText {
  const sender = displayText(refused.senderAddress, MAX_NAME_LENGTH);
  return {
    subject: `A mail to your question to ${nameOf(question.colleague)} was refused`,
    paragraphs: [
      `${sender} wrote to the address your ${about(question)} went out from; only ${question.colleague.address} may answer there (${refused.reason}).`,
      `Nothing of it reached you or the customer. It is kept at ${refused.rawKey}.`,
    ],
  };
}

/** A colleague's mailbox answered a question automatically (out of office) or the question bounced. */
export function consultAutomaticNotice(
  question: AskedQuestion,
  automatic: { automaticKind: string },
): ConsultNoticeText {
  const bounced = automatic.automaticKind === 'bounce';
  return {
    subject: bounced
      ? `Your question to ${nameOf(question.colleague)} did not arrive`
      : `${nameOf(question.colleague)} answered automatically`,
    paragraphs: [
      bounced
        ? `Your ${about(question)} could not be delivered to ${question.colleague.address}; ask someone else with #ask.`
        : `${nameOf(question.colleague)}'s mailbox answered your ${about(question)} automatically (${automatic.automaticKind}); it is no answer, the question stays open.`,
    ],
  };
}

/** The one reminder of a question a colleague has not answered within `consult.remindAfter`. */
export function consultReminderNotice(question: AskedQuestion): ConsultNoticeText {
  return {
    subject: `${nameOf(question.colleague)} has not answered yet`,
    paragraphs: [
      `${nameOf(question.colleague)} <${question.colleague.address}> has not answered your ${about(question)}.`,
      'Your promise to the customer keeps running: answer them, or ask someone else with #ask.',
    ],
  };
}
