import { domainOf } from '../domain/mail-address.js';
import { coverSignature } from '../domain/owner-cover.js';
import type { ClaimedReplyToken } from '../domain/reply-token.js';
import { verifyReplyToken } from '../domain/reply-token.js';
import { checkOwnerReply, senderAuthenticated } from '../domain/route-inbound.js';
import { storedAttachments, storedText } from '../domain/stored-message.js';
import { replySubject, withConversationReference } from '../domain/thread-conversation.js';
import type { InboundOutcome } from '../domain/types.js';
import { composeMail } from '../mail/compose-mail.js';
import { buildCustomerReply, readOwnerAnswer } from '../mail/customer-reply.js';
import {
  describeTraces,
  findInternalTracesInParts,
  type InternalTrace,
  isOwnRelay,
} from '../mail/internal-traces.js';
import type { ParsedMail } from '../mail/mail-types.js';
import { customerFacingHtml } from '../mail/reply-html.js';
import { type UnsentReason, unsentAnswerNotice } from '../mail/unsent-answer-notice.js';
import type { SentMailRecord } from '../ports/support-store.js';
import { answerFormerOwner } from './answer-former-owner.js';
import { awaitAll } from './await-all.js';
import { ownerByEmail } from './find-or-assign-owner.js';
import { firstResponseFor } from './first-response.js';
import { claimed, type InboundAttempt } from './inbound-attempt.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { notifyOwner } from './notify-owner.js';
import { activeCoverEmail, rememberCover, routeToCover } from './owner-cover.js';
import type { RelayResult } from './relay-customer-mail.js';
import { runOwnerCommand } from './run-owner-command.js';
import { sendInboundRelay } from './send-inbound-relay.js';
import { allMessageIds, visibleMessageId } from './send-once.js';
import { senderEvidence } from './sender-evidence.js';
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
  const result = await relay(deps, notice, mail, claim, senderAddress, attempt);
  return 'recorded' in result ? result : { outcome: result, recorded: false };
}

async function relay(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  claim: ClaimedReplyToken,
  senderAddress: string,
  attempt: InboundAttempt,
): Promise<InboundOutcome | RelayResult> {
  const { verdicts } = notice;
  // A forged token costs no lookup; a valid one reads the conversation and the owners together.
  const keyWindow = { now: deps.now(), graceDays: deps.config.replyTokens.graceDays };
  const [conversation, owners] = verifyReplyToken(claim, deps.replyTokenSecret, keyWindow)
    ? await awaitAll([deps.store.getConversation(claim.conversationId), deps.store.listOwners()])
    : [undefined, []];
  const conversationOwner = conversation
    ? await ownerByEmail(deps, conversation.ownerEmail, owners)
    : undefined;
  const coverEmail = activeCoverEmail(conversationOwner, deps.now());
  const sender = senderEvidence(notice, mail);
  const check = checkOwnerReply({
    claim,
    secret: deps.replyTokenSecret,
    keyWindow,
    conversation,
    senderAddress,
    verdicts,
    sender,
    ...(coverEmail ? { coverEmail } : {}),
  });
  if (!check.accepted) {
    const answered =
      conversation && check.reason === 'sender-not-owner' && senderAuthenticated(verdicts, sender)
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
  const now = deps.now().toISOString();
  // Everything else the answer needs is read in one round: who the customer is, whether this is the
  // conversation's first answer (for the figures), and whether the address is suppressed.
  // The conversation's messages hold its internal notes, which the answer is checked against before it goes.
  const [owner, customer, firstResponseSeconds, suppression, messages] = await awaitAll([
    ownerByEmail(deps, accepted.ownerEmail, owners),
    deps.store.getCustomer(accepted.customerEmail),
    firstResponseFor(deps, accepted, notice.inboundId, now),
    deps.store.getSuppression(accepted.customerEmail),
    deps.store.listMessages(accepted.id),
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
  const writer = check.asCover ? await ownerByEmail(deps, senderAddress, owners) : owner;
  if (!writer) {
    return {
      status: 'rejected',
      reason: 'owner-unknown',
      detail: `no owner ${senderAddress}`,
      conversationId: accepted.id,
    };
  }
  if (check.asCover) await rememberCover(deps, accepted.id, writer.email, owner.email);
  else await routeToCover(deps, owner, owners);
  const traces = { ownerEmail: writer.email, replyDomain: deps.config.replyDomain };
  // Whatever cannot be sent whole is not sent at all, and the writer gets their text back.
  const read = readOwnerAnswer(mail.text, traces);
  const unsent = async (reason: UnsentReason, detail: string): Promise<InboundOutcome> => {
    await notifyOwner(deps, {
      key: `unsent:${notice.inboundId}`,
      ownerEmail: writer.email,
      ...unsentAnswerNotice({
        conversationId: accepted.id,
        subject: mail.subject,
        reason,
        written: read.written,
        insideContext: read.insideContext,
        rawKey: notice.rawKey,
      }),
    });
    return { status: 'rejected', reason, detail, conversationId: accepted.id, ownerEmail: owner.email };
  };
  if (read.insideContext.length > 0) {
    return unsent(
      'answer-in-context',
      `${read.insideContext.length} line(s) typed inside the context block; writer told`,
    );
  }
  if (read.strayMarker)
    return unsent('context-damaged', 'a context marker line is left in the answer; writer told');
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
  // The HTML goes only when it says what the text says: a command line or a covering line exists in the
  // text version alone, so such replies go as text.
  const html =
    mail.html !== undefined && !check.asCover && text === read.text
      ? await customerFacingHtml(mail.html, traces, text)
      : undefined;
  const cc = (accepted.participants ?? []).map((address) => ({ address, name: '' }));
  // Our own relay attached to the answer (Outlook's "attach original", a forwarded .eml) never goes on.
  const passed = mail.attachments.filter((a) => !isOwnRelay(a, deps.config.replyDomain));
  const leftOut = mail.attachments.filter((a) => !passed.includes(a)).map((a) => `"${a.filename}"`);
  const attachments = passed.filter((attachment) => !attachment.inline);
  if (text === '' && attachments.length === 0) {
    return unsent('empty-reply', 'nothing left after removing the quoted text; writer told');
  }

  const record = await claimed(attempt);
  const messageId = `<${notice.inboundId}.customer@${domainOf(deps.config.supportAddress)}>`;
  const reply = buildCustomerReply({
    ownerName: writer.name,
    supportAddress: deps.config.supportAddress,
    customer: { address: accepted.customerEmail, name: customer?.name ?? '' },
    cc,
    subject: replySubject(accepted.subject),
    text,
    ...(html === undefined ? {} : { html }),
    attachments: passed,
    messageId,
    customerThread: withConversationReference(
      accepted.customerThread,
      accepted.id,
      domainOf(deps.config.supportAddress),
    ),
  });
  // The last look before it leaves: anything internal still in any part or attachment holds the answer.
  // The parts are what MailComposer encodes, so a large answer is not decoded again to be searched.
  const found = await findInternalTracesInParts(
    { text: reply.text, html: reply.html, attachments: reply.attachments ?? [] },
    {
      replyDomain: deps.config.replyDomain,
      ownerAddresses: owners.map((o) => o.email),
      secrets: [claim.signature],
      notes: messages.filter((m) => m.direction === 'note').map((m) => m.text),
    },
  );
  if (found.length > 0) return holdAnswer(deps, notice, mail, accepted.id, owner.email, writer.email, found);
  const outgoing = await composeMail(reply);
  // The stored copy is bounded, so it is written while the answer is sent; the outcome goes with the
  // answer's record once it is stored, unless the owner must first be told of a suppressed address.
  const stored = deps.store.putMessage({
    conversationId: accepted.id,
    id: notice.inboundId,
    // From the mail, not the clock: a retry must write the same item, and replies keep their order.
    at: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : notice.receivedAt,
    direction: 'to-customer',
    fromAddress: writer.email,
    fromName: writer.name,
    subject: replySubject(accepted.subject),
    text: storedText(text, notice.rawKey),
    rfcMessageId: messageId,
    attachments: storedAttachments(attachments),
    rawKey: notice.rawKey,
  });
  const outcomeOf = (sent: SentMailRecord): InboundOutcome => ({
    status: 'relayed-to-customer',
    conversationId: accepted.id,
    customerEmail: accepted.customerEmail,
    ownerEmail: owner.email,
    detail: `sent as ${visibleMessageId(sent)}${check.asCover ? ` by ${writer.email}, covering` : ''}${leftOut.length ? `; left out our own relay attached as ${leftOut.join(', ')}` : ''}`,
    ...(firstResponseSeconds === undefined ? {} : { firstResponseSeconds }),
  });
  const { sent, recorded } = await sendInboundRelay(
    deps,
    `${notice.inboundId}:customer`,
    {
      raw: outgoing,
      envelope: {
        from: deps.config.supportAddress,
        to: [accepted.customerEmail, ...cc.map((c) => c.address)],
      },
      messageId,
    },
    {
      inboundId: notice.inboundId,
      attempt,
      record,
      stored,
      outcomeOf,
      // The owner is told of a suppressed address after the answer, so the outcome waits for that.
      endsHere: !suppression,
      afterSend: (relayed) =>
        Promise.all([
          deps.store.linkMessageIds(allMessageIds(relayed), accepted.id),
          // Both threads in one write. The next relay answers the owner's own reply, so the owner's
          // client nests it under that.
          deps.store.recordThreads(
            accepted.id,
            {
              customerThread: visibleMessageId(relayed),
              ...(mail.messageId ? { ownerThread: mail.messageId } : {}),
              firstAnswer: { id: notice.inboundId, at: now, seconds: firstResponseSeconds },
            },
            now,
            accepted,
          ),
        ]),
    },
  );
  if (suppression) {
    await warnIfRecipientSuppressed(
      deps,
      { conversationId: accepted.id, customerEmail: accepted.customerEmail, ownerEmail: owner.email },
      suppression,
    );
  }
  return { outcome: outcomeOf(sent), recorded };
}

/**
 * An answer that would carry something internal to the customer is held, never sent: the outcome says
 * what was found where, and the owner who wrote it is told once (per inbound mail), with the same list.
 */
async function holdAnswer(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  conversationId: string,
  ownerEmail: string,
  writerEmail: string,
  found: InternalTrace[],
): Promise<InboundOutcome> {
  const what = describeTraces(found);
  await notifyOwner(deps, {
    key: `owner-side:${notice.inboundId}:internal-trace`,
    ownerEmail: writerEmail,
    subject: `Held: your answer in conversation ${conversationId} still holds internal text`,
    paragraphs: [
      `Your answer "${mail.subject}" in conversation ${conversationId} was not sent to the customer: it still holds text that must stay internal.`,
      `Found: ${what}.`,
      'Write the answer again without it (reply to the last mail of the conversation, above the quoted text, and attach no copy of a mail you received from support).',
      `Raw mail: ${notice.rawKey}.`,
    ],
  });
  return {
    status: 'quarantined',
    reason: 'internal-trace',
    detail: `held, not sent: ${what}; kept at ${notice.rawKey}`,
    conversationId,
    ownerEmail,
  };
}
