import { domainOf } from '../domain/mail-address.js';
import { coverSignature } from '../domain/owner-cover.js';
import type { ClaimedReplyToken } from '../domain/reply-token.js';
import { verifyReplyToken } from '../domain/reply-token.js';
import { checkOwnerReply, senderAuthenticated } from '../domain/route-inbound.js';
import { replySubject, withConversationReference } from '../domain/thread-conversation.js';
import type { InboundOutcome } from '../domain/types.js';
import { composeMail } from '../mail/compose-mail.js';
import { buildCustomerReply, customerFacingText } from '../mail/customer-reply.js';
import type { ParsedMail } from '../mail/mail-types.js';
import { customerFacingHtml } from '../mail/reply-html.js';
import { answerFormerOwner } from './answer-former-owner.js';
import { firstResponseFor } from './first-response.js';
import { claimed, type InboundAttempt } from './inbound-attempt.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { activeCoverEmail, rememberCover, routeToCover } from './owner-cover.js';
import type { RelayResult } from './relay-customer-mail.js';
import { runOwnerCommand } from './run-owner-command.js';
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
  attempt: InboundAttempt,
): Promise<RelayResult> {
  return { outcome: await relay(deps, notice, mail, claim, senderAddress, attempt), recorded: false };
}

async function relay(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  claim: ClaimedReplyToken,
  senderAddress: string,
  attempt: InboundAttempt,
): Promise<InboundOutcome> {
  const { verdicts } = notice;
  // A forged token costs no lookup.
  const conversation = verifyReplyToken(claim, deps.replyTokenSecret)
    ? await deps.store.getConversation(claim.conversationId)
    : undefined;
  const conversationOwner = conversation ? await deps.store.getOwner(conversation.ownerEmail) : undefined;
  const coverEmail = activeCoverEmail(conversationOwner, deps.now());
  const check = checkOwnerReply({
    claim,
    secret: deps.replyTokenSecret,
    conversation,
    senderAddress,
    verdicts,
    ...(coverEmail ? { coverEmail } : {}),
  });
  if (!check.accepted) {
    const answered =
      conversation && check.reason === 'sender-not-owner' && senderAuthenticated(verdicts)
        ? await answerFormerOwner(deps, notice, mail, conversation, senderAddress)
        : undefined;
    if (answered) return answered;
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
  // While covering, the backup writes: their name goes out, their mailbox is what must not leak.
  const writer = check.asCover ? await deps.store.getOwner(senderAddress) : owner;
  if (!writer) {
    return {
      status: 'rejected',
      reason: 'owner-unknown',
      detail: `no owner ${senderAddress}`,
      conversationId: accepted.id,
    };
  }
  if (check.asCover) await rememberCover(deps, accepted.id, writer.email, owner.email);
  else await routeToCover(deps, owner);
  const command = await runOwnerCommand(deps, notice, mail, accepted, {
    email: writer.email,
    name: writer.name,
    asCover: check.asCover === true,
  });
  if (command.done) return command.outcome;
  const text =
    check.asCover && command.text !== ''
      ? `${command.text}\n\n${coverSignature(writer, owner)}`
      : command.text;
  const traces = { ownerEmail: writer.email, replyDomain: deps.config.replyDomain };
  // The HTML goes only when it says what the text says: a command line or a covering line exists in the
  // text version alone, so such replies go as text.
  const html =
    mail.html !== undefined && !check.asCover && text === customerFacingText(mail.text, traces)
      ? await customerFacingHtml(mail.html, traces, text)
      : undefined;
  const cc = (accepted.participants ?? []).map((address) => ({ address, name: '' }));
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
  const record = await claimed(attempt);
  const messageId = `<${notice.inboundId}.customer@${domainOf(deps.config.supportAddress)}>`;
  const firstResponseSeconds = await firstResponseFor(deps, accepted.id, notice.inboundId, now);
  await deps.store.putMessage({
    conversationId: accepted.id,
    id: notice.inboundId,
    // From the mail, not the clock: a retry must write the same item, and replies keep their order.
    at: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : notice.receivedAt,
    direction: 'to-customer',
    fromAddress: writer.email,
    fromName: writer.name,
    subject: replySubject(accepted.subject),
    text,
    rfcMessageId: messageId,
    attachments: attachments.map(({ filename, contentType, size }) => ({ filename, contentType, size })),
    rawKey: notice.rawKey,
  });
  const reply = buildCustomerReply({
    ownerName: writer.name,
    supportAddress: deps.config.supportAddress,
    customer: { address: accepted.customerEmail, name: customer?.name ?? '' },
    cc,
    subject: replySubject(accepted.subject),
    text,
    ...(html === undefined ? {} : { html }),
    attachments: mail.attachments,
    messageId,
    customerThread: withConversationReference(
      accepted.customerThread,
      accepted.id,
      domainOf(deps.config.supportAddress),
    ),
  });
  const sent = await sendOnce(
    deps,
    `${notice.inboundId}:customer`,
    {
      raw: await composeMail(reply),
      envelope: {
        from: deps.config.supportAddress,
        to: [accepted.customerEmail, ...cc.map((c) => c.address)],
      },
      messageId,
    },
    {
      inboundRelay: {
        ...(record.relay ? { existing: record.relay } : {}),
        onSending: () => {
          attempt.relayUnrecorded = true;
        },
        onRecorded: () => {
          attempt.relayUnrecorded = false;
        },
        record: (sent) => deps.store.recordRelay(notice.inboundId, sent),
      },
      afterSend: (record) =>
        Promise.all([
          deps.store.linkMessageIds(allMessageIds(record), accepted.id),
          deps.store.appendToThread(accepted.id, 'customerThread', [visibleMessageId(record)], now),
          // The next relay answers the owner's own reply, so the owner's client nests it under that.
          ...(mail.messageId
            ? [deps.store.appendToThread(accepted.id, 'ownerThread', [mail.messageId], now)]
            : []),
        ]),
    },
  );
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
    detail: `sent as ${visibleMessageId(sent)}${check.asCover ? ` by ${writer.email}, covering` : ''}`,
    ...(firstResponseSeconds === undefined ? {} : { firstResponseSeconds }),
  };
}
