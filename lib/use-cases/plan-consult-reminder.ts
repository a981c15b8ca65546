import type { SpocConfig } from '../config/config-schema.js';
import { type ConsultQuestion, consultReminderDue, isOpenQuestion } from '../domain/consult-round.js';
import type { Conversation, Owner } from '../domain/types.js';
import { consultReminderNotice } from '../mail/consult-notices.js';
import type { ConsultMail, ConsultWrite } from './consult-plan-parts.js';
import { consultNoticeMail } from './plan-consult-answer.js';

/** The one reminder of a question: its mail, then the mark that takes it off the reminder index. */
export interface ConsultReminderPlan {
  mails: ConsultMail[];
  /** Made once the reminder went out, so a crash before it leaves the question to the next sweep. */
  after: ConsultWrite[];
}

/**
 * Pure: the reminder of a question the colleague has not answered within `consult.remindAfter`, when it
 * is due at `now` (see `consultReminderDue`). It goes to the conversation's owner now (after a handoff,
 * the new one), once per question: its send key names the question. In a closed conversation an
 * unreminded open question is reminded to nobody and only leaves the reminder index, so no sweep finds
 * it again. `undefined` when there is nothing to do.
 */
export function planConsultReminder(input: {
  config: Pick<SpocConfig, 'supportAddress' | 'supportName'>;
  question: ConsultQuestion;
  conversation: Pick<Conversation, 'id' | 'subject' | 'status'>;
  owner: Pick<Owner, 'email' | 'name'>;
  now: Date;
}): ConsultReminderPlan | undefined {
  const { question, conversation } = input;
  if (conversation.status === 'closed') {
    const waiting = isOpenQuestion(question) && question.remindedAt === undefined;
    return waiting ? { mails: [], after: [{ kind: 'drop-consult-reminder', question }] } : undefined;
  }
  if (!consultReminderDue(question, input.now, conversation)) return undefined;
  const text = consultReminderNotice({
    colleague: question.colleague,
    conversationId: conversation.id,
    subject: conversation.subject,
    askedAt: question.askedAt,
  });
  const key = `consult-remind:${question.conversationId}:${question.questionId}:${question.colleague.address}`;
  return {
    mails: [consultNoticeMail(input.config, input.owner, key, text)],
    after: [{ kind: 'mark-consult-reminded', question, at: input.now.toISOString() }],
  };
}
