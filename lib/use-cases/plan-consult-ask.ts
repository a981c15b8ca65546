import { createHash } from 'node:crypto';
import type { SpocConfig } from '../config/config-schema.js';
import {
  type Colleague,
  checkConsultColleagues,
  consultAllowedDomains,
} from '../domain/consult-colleagues.js';
import { type ConsultQuestion, consultRemindAt, storedQuestionText } from '../domain/consult-round.js';
import { consultAddressFor } from '../domain/consult-token.js';
import { parseReplyTokenKeys, replyAddressFor } from '../domain/reply-token.js';
import type { Conversation, ConversationMessage, Owner } from '../domain/types.js';
import { buildConsultQuestion } from '../mail/consult-question.js';
import { buildConsultRefusal } from '../mail/consult-refusal.js';
import type { MailAddress, MailAttachment, ParsedMail } from '../mail/mail-types.js';
import type { ConsultMail, ConsultWrite } from './consult-plan-parts.js';

/** What {@link planConsultAsk} decides from: the `#ask` as read, and the conversation it asks about. */
export interface ConsultAskFacts {
  config: Pick<
    SpocConfig,
    'replyDomain' | 'supportName' | 'supportAddress' | 'consult' | 'hours' | 'holidays'
  >;
  replyTokenSecret: string;
  now: Date;
  /** The owner's `#ask` mail: its inbound id names the round. */
  inboundId: string;
  mail: Pick<ParsedMail, 'attachments' | 'messageId'>;
  conversation: Conversation;
  customer: MailAddress;
  /** Who asks: the owner, or the backup covering for them. */
  sender: { email: string; name: string };
  owners: readonly Owner[];
  colleagues: readonly Colleague[];
  /** The reply below the `#ask` line, quote and context block removed. */
  question: string;
  /** The conversation's stored messages, oldest first. */
  messages: readonly ConversationMessage[];
  /** The bytes of the messages' attachments by message id, as far as they were read (`attach`). */
  files?: ReadonlyMap<string, readonly MailAttachment[]>;
  /** The questions asked in the conversation before this one. */
  earlier: readonly ConsultQuestion[];
}

/** What an `#ask` becomes. */
export type ConsultAskPlan =
  /** Nobody is asked; the owner is told what is allowed. */
  | { asked: false; problem: string; mails: ConsultMail[] }
  /** The questions are recorded first, then each colleague receives one mail. */
  | { asked: true; questions: ConsultQuestion[]; writes: ConsultWrite[]; mails: ConsultMail[] };

/** The part of a Message-ID naming one colleague: a digest, so no address shows in a header. */
function colleagueTag(address: string): string {
  return createHash('sha256').update(address).digest('hex').slice(0, 12);
}

/** The send key of the question of one `#ask` to one colleague. */
export function consultQuestionKey(inboundId: string, colleague: string): string {
  return `${inboundId}:consult-ask:${colleague}`;
}

/**
 * Pure: an owner's `#ask`. When every colleague may be asked (see `checkConsultColleagues`) and there is
 * a question, each colleague gets one question mail from "<asker> via <support>" at their own consult
 * address, the conversation and its files attached or listed (`consult.attachments`), and each question
 * is recorded with the time its reminder falls due. Otherwise nobody is asked and the asker is told
 * what is allowed, naming the allowed domains. Nothing goes to the customer either way.
 */
export function planConsultAsk(facts: ConsultAskFacts): ConsultAskPlan {
  const { config, conversation, sender, inboundId } = facts;
  const allowedDomains = consultAllowedDomains(
    facts.owners.map((owner) => owner.email),
    config.consult.allowedDomains,
  );
  const replyAddress = replyAddressFor(conversation.id, facts.replyTokenSecret, config.replyDomain);
  const refuse = (problem: string): ConsultAskPlan => {
    const messageId = `<${inboundId}.ask-refused@${config.replyDomain}>`;
    return {
      asked: false,
      problem,
      mails: [
        {
          key: `${inboundId}:consult-refused`,
          mail: {
            compose: buildConsultRefusal({
              owner: { address: sender.email, name: sender.name },
              replyAddress,
              supportName: config.supportName,
              problem,
              allowedDomains,
              subject: conversation.subject,
              messageId,
              ...(facts.mail.messageId ? { inReplyTo: facts.mail.messageId } : {}),
            }),
            envelope: { from: replyAddress, to: [sender.email] },
            messageId,
          },
        },
      ],
    };
  };
  const check = checkConsultColleagues(facts.colleagues, {
    allowedDomains,
    askerEmail: sender.email,
    customerEmail: conversation.customerEmail,
    participants: conversation.participants ?? [],
    supportAddress: config.supportAddress,
    replyDomain: config.replyDomain,
  });
  if (!check.allowed) return refuse(check.problem);
  const questionAttachments = facts.mail.attachments.filter((attachment) => !attachment.inline);
  if (facts.question.trim() === '' && questionAttachments.length === 0) {
    return refuse('#ask needs your question below its line');
  }

  const asker = facts.owners.find((owner) => owner.email === sender.email) ?? {};
  const askedAt = facts.now.toISOString();
  const remindAt = consultRemindAt({
    askedAt: facts.now,
    remindAfter: config.consult.remindAfter,
    owner: asker,
    defaultHours: config.hours,
    holidays: config.holidays,
  }).toISOString();
  const keyId = parseReplyTokenKeys(facts.replyTokenSecret).current.id;
  const questions: ConsultQuestion[] = [];
  const mails: ConsultMail[] = [];
  for (const colleague of check.colleagues) {
    const consultAddress = consultAddressFor(
      conversation.id,
      colleague.address,
      facts.replyTokenSecret,
      config.replyDomain,
    );
    const messageId = `<${inboundId}.ask.${colleagueTag(colleague.address)}@${config.replyDomain}>`;
    const colleagueThread = facts.earlier
      .filter((question) => question.colleague.address === colleague.address)
      .map((question) => question.messageId);
    questions.push({
      conversationId: conversation.id,
      questionId: inboundId,
      colleague,
      askedBy: { address: sender.email, name: sender.name },
      askedAt,
      question: storedQuestionText(facts.question),
      tokenKeyId: keyId,
      messageId,
      remindAt,
    });
    mails.push({
      key: consultQuestionKey(inboundId, colleague.address),
      mail: {
        compose: buildConsultQuestion({
          asker: { address: sender.email, name: sender.name },
          colleague,
          consultAddress,
          supportName: config.supportName,
          question: facts.question,
          questionAttachments,
          conversation,
          customer: facts.customer,
          messages: facts.messages,
          attachments: config.consult.attachments,
          ...(facts.files ? { files: facts.files } : {}),
          ...(colleagueThread.length > 0 ? { colleagueThread } : {}),
          messageId,
        }),
        envelope: { from: consultAddress, to: [colleague.address] },
        messageId,
      },
    });
  }
  return {
    asked: true,
    questions,
    writes: questions.map((question) => ({ kind: 'put-consult-question', question })),
    mails,
  };
}
