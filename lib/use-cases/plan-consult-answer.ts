import type { SpocConfig } from '../config/config-schema.js';
import { askedColleagues, type ConsultQuestion, questionAnswered } from '../domain/consult-round.js';
import { boundColleague, type ClaimedConsultToken } from '../domain/consult-token.js';
import { type ReplyTokenWindow, replyAddressFor } from '../domain/reply-token.js';
import type { ConsultAnswerCheck } from '../domain/route-inbound.js';
import { storedAttachments, storedSubject, storedText } from '../domain/stored-message.js';
import type { Conversation, InboundOutcome, Owner } from '../domain/types.js';
import { buildConsultAnswer, consultAnswerText } from '../mail/consult-answer.js';
import {
  type AskedQuestion,
  type ConsultNoticeText,
  consultAutomaticNotice,
  consultRefusedNotice,
} from '../mail/consult-notices.js';
import type { MailAddress, ParsedMail } from '../mail/mail-types.js';
import type { ConsultMail, ConsultWrite } from './consult-plan-parts.js';
import { ownerNoticeDelivery } from './notify-owner.js';

/** The inbound mail a consult decision is about. */
export interface ConsultInbound {
  inboundId: string;
  rawKey: string;
  /** When it was received (ISO). */
  receivedAt: string;
}

/** What the relay of a colleague's answer to the owner does. */
export interface ConsultAnswerRelay {
  key: string;
  mail: ConsultMail['mail'];
  /** Stored while it is sent: the answer as an internal note, the question as answered. */
  beside: ConsultWrite[];
  /** Once it went out: its id on the owner's side of the thread, so the owner's Reply threads. */
  afterSend: (sentMessageId: string) => ConsultWrite[];
}

/** What a mail to a consult address becomes. */
export type ConsultAnswerPlan =
  | { relay: ConsultAnswerRelay; outcome: InboundOutcome }
  | { notices: ConsultMail[]; outcome: InboundOutcome };

/** The question a notice is about, in the words of the notice builders. */
function asked(question: ConsultQuestion, conversation: Pick<Conversation, 'subject'>): AskedQuestion {
  return {
    colleague: question.colleague,
    conversationId: question.conversationId,
    subject: conversation.subject,
    askedAt: question.askedAt,
  };
}

/**
 * A notice to the owner about a question, sent once under `notice:<key>` (`consult-…:<conversation>:
 * <question>:<colleague>`), like every owner notice.
 */
export function consultNoticeMail(
  config: Pick<SpocConfig, 'supportAddress' | 'supportName'>,
  owner: Pick<Owner, 'email' | 'name'>,
  key: string,
  text: ConsultNoticeText,
): ConsultMail {
  return ownerNoticeDelivery(config, owner, { key, ownerEmail: owner.email, ...text });
}

function questionKey(question: ConsultQuestion): string {
  return `${question.conversationId}:${question.questionId}:${question.colleague.address}`;
}

/** What {@link planConsultAnswer} decides from. */
export interface ConsultAnswerFacts {
  config: Pick<SpocConfig, 'replyDomain' | 'supportName' | 'supportAddress'>;
  replyTokenSecret: string;
  keyWindow?: ReplyTokenWindow;
  inbound: ConsultInbound;
  mail: ParsedMail;
  claim: ClaimedConsultToken;
  conversation: Conversation;
  customer: MailAddress;
  /** The conversation's owner now: after a handoff the new one. */
  owner: Pick<Owner, 'email' | 'name'>;
  questions: readonly ConsultQuestion[];
  /** The gate's verdict on the mail (`checkConsultAnswer`). */
  check: ConsultAnswerCheck;
  senderAddress: string;
}

/** The question a genuine consult token leads to: the colleague it was handed to, their open question first. */
function questionOfToken(
  facts: Pick<ConsultAnswerFacts, 'claim' | 'questions' | 'replyTokenSecret' | 'keyWindow'>,
): ConsultQuestion | undefined {
  const colleague = boundColleague(
    facts.claim,
    askedColleagues(facts.questions),
    facts.replyTokenSecret,
    facts.keyWindow,
  );
  return colleague === undefined ? undefined : questionAnswered(facts.questions, colleague);
}

/**
 * Pure: a mail to a consult address of a known conversation. The colleague's own answer goes to the
 * conversation's current owner only, in the owner's thread, from "<colleague> (consulted) via
 * <support>" with `Reply-To` the conversation's reply address, quote stripped, attachments included;
 * it is stored as an internal note and answers the question it belongs to. Commands in it are text.
 * Anyone else writing there (or mail that cannot be trusted) is refused, and the owner is told once per
 * question, without its text; a forged token tells nobody.
 */
export function planConsultAnswer(facts: ConsultAnswerFacts): ConsultAnswerPlan {
  const { conversation, check, owner, config } = facts;
  const base = {
    conversationId: conversation.id,
    customerEmail: conversation.customerEmail,
    ownerEmail: owner.email,
  };
  if (!check.accepted) {
    const outcome: InboundOutcome = {
      status: check.status,
      reason: check.reason,
      detail: check.detail,
      ...(check.tellOwner ? base : { conversationId: conversation.id }),
    };
    const question = check.tellOwner ? questionOfToken(facts) : undefined;
    if (!question) return { notices: [], outcome };
    const text = consultRefusedNotice(asked(question, conversation), {
      senderAddress: facts.senderAddress,
      reason: check.reason,
      rawKey: facts.inbound.rawKey,
    });
    return {
      notices: [consultNoticeMail(config, owner, `consult-refused:${questionKey(question)}`, text)],
      outcome,
    };
  }
  const question = questionAnswered(facts.questions, check.colleague);
  if (!question) {
    return {
      notices: [],
      outcome: {
        status: 'rejected',
        reason: 'token-invalid',
        detail: `no question to ${check.colleague} in conversation ${conversation.id}`,
        conversationId: conversation.id,
      },
    };
  }
  const at =
    facts.mail.date && !Number.isNaN(facts.mail.date.getTime())
      ? facts.mail.date.toISOString()
      : facts.inbound.receivedAt;
  const replyAddress = replyAddressFor(conversation.id, facts.replyTokenSecret, config.replyDomain);
  const messageId = `<${facts.inbound.inboundId}.consulted@${config.replyDomain}>`;
  const colleague: MailAddress = {
    address: question.colleague.address,
    name: question.colleague.name || facts.mail.from?.name || '',
  };
  const compose = buildConsultAnswer({
    mail: facts.mail,
    colleague,
    owner: { address: owner.email, name: owner.name },
    conversation,
    customer: facts.customer,
    replyAddress,
    supportName: config.supportName,
    supportAddress: config.supportAddress,
    messageId,
  });
  return {
    relay: {
      key: `${facts.inbound.inboundId}:consulted`,
      mail: { compose, envelope: { from: replyAddress, to: [owner.email] }, messageId },
      beside: [
        {
          kind: 'put-message',
          message: {
            conversationId: conversation.id,
            id: facts.inbound.inboundId,
            at,
            direction: 'note',
            fromAddress: colleague.address,
            fromName: `${colleague.name || colleague.address} (consulted)`,
            subject: storedSubject(facts.mail.subject),
            text: storedText(consultAnswerText(facts.mail), facts.inbound.rawKey),
            ...(facts.mail.messageId ? { rfcMessageId: facts.mail.messageId } : {}),
            attachments: storedAttachments(facts.mail.attachments),
            rawKey: facts.inbound.rawKey,
          },
        },
        { kind: 'record-consult-answer', question, at },
      ],
      afterSend: (sentMessageId) => [
        {
          kind: 'append-to-thread',
          conversationId: conversation.id,
          thread: 'ownerThread',
          messageIds: [sentMessageId],
          at,
        },
      ],
    },
    outcome: {
      status: 'relayed-to-owner',
      reason: 'consult-answer',
      detail: `answer of ${colleague.address} to the question of ${question.askedAt}`,
      ...base,
    },
  };
}

/** What {@link planConsultAutomatic} decides from. */
export type ConsultAutomaticFacts = Pick<
  ConsultAnswerFacts,
  'config' | 'replyTokenSecret' | 'keyWindow' | 'inbound' | 'claim' | 'conversation' | 'owner' | 'questions'
> & { automaticKind: string; reason: InboundOutcome['reason'] };

/**
 * Pure: an out-of-office or a bounce that came back to a consult address. It is never an answer: the
 * question stays open, and the owner gets a one-line notice, once per question and kind, when the
 * token is genuine.
 */
export function planConsultAutomatic(facts: ConsultAutomaticFacts): {
  notices: ConsultMail[];
  outcome: InboundOutcome;
} {
  const outcome: InboundOutcome = {
    status: 'automatic',
    ...(facts.reason ? { reason: facts.reason } : {}),
    detail: `${facts.automaticKind} to a consult address of conversation ${facts.conversation.id}`,
    conversationId: facts.conversation.id,
  };
  const question = questionOfToken(facts);
  if (!question) return { notices: [], outcome };
  const bounced = facts.automaticKind === 'bounce';
  const text = consultAutomaticNotice(asked(question, facts.conversation), {
    automaticKind: facts.automaticKind,
  });
  return {
    notices: [
      consultNoticeMail(
        facts.config,
        facts.owner,
        `consult-${bounced ? 'bounced' : 'automatic'}:${questionKey(question)}`,
        text,
      ),
    ],
    outcome: { ...outcome, ownerEmail: facts.owner.email, customerEmail: facts.conversation.customerEmail },
  };
}
