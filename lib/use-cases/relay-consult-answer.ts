import { awaitAll } from '../delivery/await-all.js';
import { visibleMessageId } from '../delivery/deliver-mail.js';
import { type InboundPlan, outcomeOnly } from '../delivery/delivery-plan.js';
import { askedColleagues } from '../domain/consult-round.js';
import type { ClaimedConsultToken } from '../domain/consult-token.js';
import type { AutomaticReason } from '../domain/outcome-reasons.js';
import { checkConsultAnswer } from '../domain/route-inbound.js';
import type { ParsedMail } from '../mail/mail-types.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { type ConsultInbound, planConsultAnswer, planConsultAutomatic } from './plan-consult-answer.js';
import { senderEvidence } from './sender-evidence.js';

function inboundOf(notice: InboundNotice): ConsultInbound {
  return { inboundId: notice.inboundId, rawKey: notice.rawKey, receivedAt: notice.receivedAt };
}

/** The conversation a consult token names, its questions, its owner now and its customer, read together. */
async function readConsultConversation(deps: InboundDeps, conversationId: string) {
  const [conversation, questions] = await awaitAll([
    deps.store.getConversation(conversationId),
    deps.store.listConsultQuestions(conversationId),
  ]);
  if (!conversation) return { conversation, questions };
  const [owner, customer] = await awaitAll([
    deps.store.getOwner(conversation.ownerEmail),
    deps.store.getCustomer(conversation.customerEmail),
  ]);
  return { conversation, questions, owner, customer };
}

/**
 * A mail to a consult address: read the conversation, its questions and its owner now, check the
 * sender with `checkConsultAnswer`, and return the plan of {@link planConsultAnswer}: the colleague's
 * answer relayed to the owner only (stored as a note beside it), or a refusal the owner hears of once.
 */
export async function decideConsultAnswer(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  claim: ClaimedConsultToken,
  senderAddress: string,
): Promise<InboundPlan> {
  const keyWindow = { now: deps.now(), graceDays: deps.config.replyTokens.graceDays };
  const read = await readConsultConversation(deps, claim.conversationId);
  const check = checkConsultAnswer({
    claim,
    secret: deps.replyTokenSecret,
    keyWindow,
    conversation: read.conversation,
    colleagues: askedColleagues(read.questions),
    senderAddress,
    verdicts: notice.verdicts,
    sender: senderEvidence(notice, mail),
  });
  const { conversation, owner } = read;
  if (!conversation || !owner) {
    // No conversation (a forged or stale token), or nobody owns it any more: recorded, nobody told.
    return outcomeOnly({
      status: 'rejected',
      reason: conversation ? 'owner-unknown' : 'conversation-unknown',
      detail: conversation
        ? `owner ${conversation.ownerEmail} no longer exists`
        : `no conversation ${claim.conversationId}`,
      ...(conversation ? { conversationId: conversation.id } : {}),
    });
  }
  const planned = planConsultAnswer({
    config: deps.config,
    replyTokenSecret: deps.replyTokenSecret,
    keyWindow,
    inbound: inboundOf(notice),
    mail,
    claim,
    conversation,
    customer: { address: conversation.customerEmail, name: read.customer?.name ?? '' },
    owner,
    questions: read.questions,
    check,
    senderAddress,
  });
  if ('notices' in planned) {
    return {
      ...(planned.notices.length > 0 ? { followUps: planned.notices } : {}),
      outcome: () => planned.outcome,
    };
  }
  const { relay } = planned;
  return {
    relay: {
      key: relay.key,
      mail: relay.mail,
      beside: relay.beside,
      afterSend: (sent) => relay.afterSend(visibleMessageId(sent)),
    },
    outcome: () => planned.outcome,
  };
}

/**
 * An out-of-office or bounce that came back to a consult address: recorded `automatic`, never an
 * answer; the owner is told once per question in one line when the token is genuine.
 */
export async function decideConsultAutomatic(
  deps: InboundDeps,
  notice: InboundNotice,
  route: { consult: ClaimedConsultToken; automaticKind: string; reason: AutomaticReason },
): Promise<InboundPlan> {
  const base = {
    status: 'automatic' as const,
    reason: route.reason,
    detail: `${route.automaticKind}; never answered`,
  };
  const read = await readConsultConversation(deps, route.consult.conversationId);
  if (!read.conversation || !read.owner) return outcomeOnly(base);
  const planned = planConsultAutomatic({
    config: deps.config,
    replyTokenSecret: deps.replyTokenSecret,
    keyWindow: { now: deps.now(), graceDays: deps.config.replyTokens.graceDays },
    inbound: inboundOf(notice),
    claim: route.consult,
    conversation: read.conversation,
    owner: read.owner,
    questions: read.questions,
    automaticKind: route.automaticKind,
    reason: route.reason,
  });
  return {
    ...(planned.notices.length > 0 ? { followUps: planned.notices } : {}),
    outcome: () => planned.outcome,
  };
}
