import { replyAddressFor } from '../domain/reply-token.js';
import type { Conversation, InboundOutcome } from '../domain/types.js';
import { composeMail } from '../mail/compose-mail.js';
import { buildHandoffNotice } from '../mail/handoff-notice.js';
import type { ParsedMail } from '../mail/mail-types.js';
import { awaitAll } from './await-all.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { sendOnce } from './send-once.js';

/**
 * A reply from a former owner (handoff) or former backup (cover ended): nothing reaches the customer, the outcome
 * is `rejected`/`no-longer-owner`, and the former owner is told who owns the customer now. Returns
 * `undefined` when the sender never owned the conversation (a stranger stays unanswered).
 */
export async function answerFormerOwner(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  conversation: Conversation,
  senderAddress: string,
): Promise<InboundOutcome | undefined> {
  const former = await deps.store.getFormerOwner(conversation.id, senderAddress);
  if (!former) return undefined;
  const [current, formerOwner, customer] = await awaitAll([
    deps.store.getOwner(conversation.ownerEmail),
    deps.store.getOwner(senderAddress),
    deps.store.getCustomer(conversation.customerEmail),
  ]);
  const currentOwner = {
    address: conversation.ownerEmail,
    name: current?.name ?? conversation.ownerEmail,
  };
  const replyAddress = replyAddressFor(conversation.id, deps.replyTokenSecret, deps.config.replyDomain);
  const messageId = `<${notice.inboundId}.notice@${deps.config.replyDomain}>`;
  await sendOnce(deps, `${notice.inboundId}:handoff-notice`, {
    raw: await composeMail(
      buildHandoffNotice({
        formerOwner: { address: senderAddress, name: formerOwner?.name ?? '' },
        currentOwner,
        customerLabel: customer?.name ? `${customer.name} <${customer.email}>` : conversation.customerEmail,
        subject: mail.subject,
        supportName: deps.config.supportName,
        replyAddress,
        messageId,
        ...(mail.messageId ? { inReplyTo: mail.messageId } : {}),
      }),
    ),
    envelope: { from: replyAddress, to: [senderAddress] },
    messageId,
  });
  return {
    status: 'rejected',
    reason: 'no-longer-owner',
    detail: `${senderAddress} no longer answers for this customer (${conversation.ownerEmail} does); told them so`,
    conversationId: conversation.id,
    customerEmail: conversation.customerEmail,
    ownerEmail: conversation.ownerEmail,
  };
}
