import { domainOf } from '../domain/mail-address.js';
import type { ClaimedReplyToken } from '../domain/reply-token.js';
import { verifyReplyToken } from '../domain/reply-token.js';
import { checkOwnerReply, type ReceiptVerdicts } from '../domain/route-inbound.js';
import { replySubject } from '../domain/thread-conversation.js';
import type { InboundOutcome } from '../domain/types.js';
import { composeMail } from '../mail/compose-mail.js';
import { buildCustomerReply, customerFacingText } from '../mail/customer-reply.js';
import type { ParsedMail } from '../mail/mail-types.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { allMessageIds, sendOnce, visibleMessageId } from './send-once.js';
import { warnIfRecipientSuppressed } from './suppression.js';

/**
 * Rule 3: an owner's answer, sent to a conversation's signed reply address, reaches the customer from
 * the owner's name at the support address, without the quoted forward or anything internal.
 */
export async function relayOwnerReply(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  claim: ClaimedReplyToken,
  senderAddress: string,
  verdicts: ReceiptVerdicts,
): Promise<InboundOutcome> {
  // A forged token costs no lookup.
  const conversation = verifyReplyToken(claim, deps.replyTokenSecret)
    ? await deps.store.getConversation(claim.conversationId)
    : undefined;
  const check = checkOwnerReply({
    claim,
    secret: deps.replyTokenSecret,
    conversation,
    senderAddress,
    verdicts,
  });
  if (!check.accepted) {
    return {
      status: check.status,
      reason: check.reason,
      detail: check.detail,
      ...(conversation ? { conversationId: conversation.id, ownerEmail: conversation.ownerEmail } : {}),
    };
  }
  const accepted = check.conversation;
  const [owner, customer] = await Promise.all([
    deps.store.getOwner(accepted.ownerEmail),
    deps.store.getCustomer(accepted.customerEmail),
  ]);
  if (!owner) {
    return {
      status: 'rejected',
      reason: 'owner-unknown',
      detail: `owner ${accepted.ownerEmail} no longer exists`,
      conversationId: accepted.id,
    };
  }
  const text = customerFacingText(mail.text, {
    ownerEmail: owner.email,
    replyDomain: deps.config.replyDomain,
  });
  const attachments = mail.attachments.filter((attachment) => !attachment.inline);
  if (text === '' && attachments.length === 0) {
    return {
      status: 'rejected',
      reason: 'empty-reply',
      detail: 'nothing left after removing the quoted text',
      conversationId: accepted.id,
    };
  }

  const now = deps.now().toISOString();
  const messageId = `<${notice.inboundId}.customer@${domainOf(deps.config.supportAddress)}>`;
  await deps.store.putMessage({
    conversationId: accepted.id,
    id: notice.inboundId,
    // From the mail, not the clock: a retry must write the same item, and replies keep their order.
    at: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : notice.receivedAt,
    direction: 'to-customer',
    fromAddress: owner.email,
    fromName: owner.name,
    subject: replySubject(accepted.subject),
    text,
    rfcMessageId: messageId,
    attachments: attachments.map(({ filename, contentType, size }) => ({ filename, contentType, size })),
    rawKey: notice.rawKey,
  });
  const reply = buildCustomerReply({
    ownerName: owner.name,
    supportAddress: deps.config.supportAddress,
    customer: { address: accepted.customerEmail, name: customer?.name ?? '' },
    subject: replySubject(accepted.subject),
    text,
    attachments,
    messageId,
    customerThread: accepted.customerThread,
  });
  const sent = await sendOnce(deps, `${notice.inboundId}:customer`, {
    raw: await composeMail(reply),
    envelope: { from: deps.config.supportAddress, to: [accepted.customerEmail] },
    messageId,
  });
  await Promise.all([
    deps.store.linkMessageIds(allMessageIds(sent), accepted.id),
    deps.store.appendToThread(accepted.id, 'customerThread', [visibleMessageId(sent)], now),
  ]);
  await warnIfRecipientSuppressed(deps, {
    conversationId: accepted.id,
    customerEmail: accepted.customerEmail,
    ownerEmail: owner.email,
  });
  return {
    status: 'relayed-to-customer',
    conversationId: accepted.id,
    customerEmail: accepted.customerEmail,
    ownerEmail: owner.email,
    detail: `sent as ${visibleMessageId(sent)}`,
  };
}
