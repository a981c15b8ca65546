import { domainOf } from '../domain/mail-address.js';
import { withConversationReference } from '../domain/thread-conversation.js';
import type { Conversation, Customer, Owner } from '../domain/types.js';
import { composeMail } from '../mail/compose-mail.js';
import { buildFirstContact } from '../mail/first-contact.js';
import type { ParsedMail } from '../mail/mail-types.js';
import type { InboundDeps } from './inbound-deps.js';
import { allMessageIds, sendOnce, visibleMessageId } from './send-once.js';
import { mayMailAutomatically } from './suppression.js';

/** Key of the one first-contact mail a customer ever receives. */
export function firstContactKey(customerEmail: string): string {
  return `first-contact:${customerEmail}`;
}

/**
 * The single place a first-contact mail is sent: once per customer (a `sendOnce` key per address, so
 * retries and racing first mails send one), only when enabled, threaded into the customer's first mail.
 * Callers only call it for a customer created by the mail being processed, never for someone on Cc;
 * automatic mail never gets here. An address that bounced or complained before gets nothing.
 */
export async function sendFirstContact(
  deps: InboundDeps,
  input: {
    customer: Customer;
    owner: Owner;
    conversation: Conversation;
    answering: ParsedMail;
    /** The inbound mail's first attempt: nothing can have been sent yet, no earlier send is looked up. */
    firstAttempt?: boolean;
  },
): Promise<void> {
  const { firstContact, supportAddress } = deps.config;
  if (!firstContact.enabled) return;
  const { customer, owner, conversation, answering } = input;
  if (!(await mayMailAutomatically(deps, customer.email))) return;
  const customerThread = withConversationReference(
    answering.messageId
      ? [...conversation.customerThread.filter((id) => id !== answering.messageId), answering.messageId]
      : conversation.customerThread,
    conversation.id,
    domainOf(supportAddress),
  );
  const messageId = `<first-contact.${conversation.id}@${domainOf(supportAddress)}>`;
  const mail = buildFirstContact({
    ownerName: owner.name,
    supportAddress,
    customer: { address: customer.email, name: customer.name ?? '' },
    subject: conversation.subject,
    ...(firstContact.text ? { template: firstContact.text } : {}),
    messageId,
    customerThread,
  });
  const sent = await sendOnce(
    deps,
    firstContactKey(customer.email),
    {
      raw: await composeMail(mail),
      envelope: { from: supportAddress, to: [customer.email] },
      messageId,
    },
    input.firstAttempt ? { firstAttempt: true } : {},
  );
  const now = deps.now().toISOString();
  await Promise.all([
    deps.store.linkMessageIds(allMessageIds(sent), conversation.id),
    deps.store.appendToThread(conversation.id, 'customerThread', [visibleMessageId(sent)], now),
  ]);
}
