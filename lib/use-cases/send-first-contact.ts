import type { SpocConfig } from '../config/config-schema.js';
import { linkedMessageIds, visibleMessageId } from '../delivery/deliver-mail.js';
import type { MailDelivery } from '../delivery/delivery-plan.js';
import { domainOf } from '../domain/mail-address.js';
import { withConversationReference } from '../domain/thread-conversation.js';
import type { Conversation, Customer, Owner } from '../domain/types.js';
import { buildFirstContact } from '../mail/first-contact.js';
import type { ParsedMail } from '../mail/mail-types.js';

/** Key of the one first-contact mail a customer ever receives. */
export function firstContactKey(customerEmail: string): string {
  return `first-contact:${customerEmail}`;
}

/**
 * Pure: the single first-contact mail of a customer, sent once per customer (one key per address, so
 * retries and racing first mails send one), threaded into the customer's first mail and linked to its
 * conversation once sent. Callers plan it only when it is enabled, for a customer created by the mail
 * being processed (never someone on Cc) whose address did not bounce or complain before (see
 * `mayMailAutomatically`); automatic mail never gets here.
 */
export function firstContactDelivery(
  config: Pick<SpocConfig, 'supportAddress' | 'firstContact'>,
  input: { customer: Customer; owner: Owner; conversation: Conversation; answering: ParsedMail; at: string },
): MailDelivery {
  const { supportAddress, firstContact } = config;
  const { customer, owner, conversation, answering } = input;
  const customerThread = withConversationReference(
    answering.messageId
      ? [...conversation.customerThread.filter((id) => id !== answering.messageId), answering.messageId]
      : conversation.customerThread,
    conversation.id,
    domainOf(supportAddress),
  );
  const messageId = `<first-contact.${conversation.id}@${domainOf(supportAddress)}>`;
  return {
    key: firstContactKey(customer.email),
    // The customer was created by this very mail, so nobody else sends under the key.
    ownedByInbound: true,
    mail: {
      compose: buildFirstContact({
        ownerName: owner.name,
        supportAddress,
        customer: { address: customer.email, name: customer.name ?? '' },
        subject: conversation.subject,
        ...(firstContact.text ? { template: firstContact.text } : {}),
        messageId,
        customerThread,
      }),
      envelope: { from: supportAddress, to: [customer.email] },
      messageId,
    },
    afterSend: (sent) => [
      { kind: 'link-message-ids', messageIds: linkedMessageIds(sent), conversationId: conversation.id },
      {
        kind: 'append-to-thread',
        conversationId: conversation.id,
        thread: 'customerThread',
        messageIds: [visibleMessageId(sent)],
        at: input.at,
      },
    ],
  };
}
