import type { SpocConfig } from '../config/config-schema.js';
import { awaitAll } from '../delivery/await-all.js';
import { type InboundPlan, mailsOnly, outcomeOnly } from '../delivery/delivery-plan.js';
import { replyAddressFor } from '../domain/reply-token.js';
import type { Conversation, Customer, Owner } from '../domain/types.js';
import { buildHandoffNotice } from '../mail/handoff-notice.js';
import type { ParsedMail } from '../mail/mail-types.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';

/**
 * A reply from a former owner (handoff) or former backup (cover ended): reads who owns the customer now
 * and returns the plan that tells the former owner so. Returns `undefined` when the sender never owned
 * the conversation (a stranger stays unanswered).
 */
export async function answerFormerOwner(
  deps: InboundDeps,
  notice: InboundNotice,
  mail: ParsedMail,
  conversation: Conversation,
  senderAddress: string,
): Promise<InboundPlan | undefined> {
  const former = await deps.store.getFormerOwner(conversation.id, senderAddress);
  if (!former) return undefined;
  const [current, formerOwner, customer] = await awaitAll([
    deps.store.getOwner(conversation.ownerEmail),
    deps.store.getOwner(senderAddress),
    deps.store.getCustomer(conversation.customerEmail),
  ]);
  return planFormerOwnerNotice({
    config: deps.config,
    replyTokenSecret: deps.replyTokenSecret,
    notice,
    mail,
    conversation,
    senderAddress,
    current,
    formerOwner,
    customer,
  });
}

/**
 * Pure: nothing reaches the customer, the outcome is `rejected`/`no-longer-owner`, and the former owner
 * is told who owns the customer now.
 */
export function planFormerOwnerNotice(facts: {
  config: Pick<SpocConfig, 'replyDomain' | 'supportName'>;
  replyTokenSecret: string;
  notice: Pick<InboundNotice, 'inboundId'>;
  mail: Pick<ParsedMail, 'subject' | 'messageId'>;
  conversation: Conversation;
  senderAddress: string;
  current: Owner | undefined;
  formerOwner: Owner | undefined;
  customer: Customer | undefined;
}): InboundPlan {
  const { config, notice, mail, conversation, senderAddress, customer } = facts;
  const currentOwner = {
    address: conversation.ownerEmail,
    name: facts.current?.name ?? conversation.ownerEmail,
  };
  const replyAddress = replyAddressFor(conversation.id, facts.replyTokenSecret, config.replyDomain);
  const messageId = `<${notice.inboundId}.notice@${config.replyDomain}>`;
  const told = mailsOnly({
    key: `${notice.inboundId}:handoff-notice`,
    mail: {
      compose: buildHandoffNotice({
        formerOwner: { address: senderAddress, name: facts.formerOwner?.name ?? '' },
        currentOwner,
        customerLabel: customer?.name ? `${customer.name} <${customer.email}>` : conversation.customerEmail,
        subject: mail.subject,
        supportName: config.supportName,
        replyAddress,
        messageId,
        ...(mail.messageId ? { inReplyTo: mail.messageId } : {}),
      }),
      envelope: { from: replyAddress, to: [senderAddress] },
      messageId,
    },
  });
  return outcomeOnly(
    {
      status: 'rejected',
      reason: 'no-longer-owner',
      detail: `${senderAddress} no longer answers for this customer (${conversation.ownerEmail} does); told them so`,
      conversationId: conversation.id,
      customerEmail: conversation.customerEmail,
      ownerEmail: conversation.ownerEmail,
    },
    told,
  );
}
