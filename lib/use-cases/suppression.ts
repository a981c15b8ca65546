import type { SuppressionRecord } from '../ports/support-store.js';
import type { InboundDeps } from './inbound-deps.js';
import type { OwnerNotice } from './notify-owner.js';

/**
 * Whether automatic mail (first-contact mails, notices, anything no person wrote) may go to `address`.
 * False once a hard bounce or a complaint suppressed it. Every automatic mail to a customer must ask.
 */
export async function mayMailAutomatically(
  deps: Pick<InboundDeps, 'store'>,
  address: string,
): Promise<boolean> {
  return (await deps.store.getSuppression(address.trim().toLowerCase())) === undefined;
}

/**
 * Pure: an owner's own answer still goes to a suppressed customer (a person chose to write), but the
 * owner is told, once per conversation and suppression, that the address bounced or complained before.
 */
export function suppressedReplyNotice(
  input: { conversationId: string; customerEmail: string; ownerEmail: string },
  suppression: SuppressionRecord,
): OwnerNotice {
  const what = suppression.reason === 'complaint' ? 'marked our mail as spam' : 'bounced permanently';
  return {
    key: `suppressed-reply:${input.conversationId}:${suppression.at}`,
    ownerEmail: input.ownerEmail,
    subject: `${input.customerEmail} ${what} earlier`,
    paragraphs: [
      `Your reply in conversation ${input.conversationId} was sent, but ${input.customerEmail} ${what} on ${suppression.at} (${suppression.detail}).`,
      'It may not arrive. No automatic mail goes to this address any more; consider reaching the customer another way.',
    ],
  };
}
