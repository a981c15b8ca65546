import type { SuppressionRecord } from '../ports/support-store.js';
import type { InboundDeps } from './inbound-deps.js';
import { notifyOwner } from './notify-owner.js';

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
 * An owner's own answer still goes to a suppressed customer (a person chose to write), but the owner is
 * told, once per conversation and suppression, that the address bounced or complained before.
 */
export async function warnIfRecipientSuppressed(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'now' | 'config'>,
  input: { conversationId: string; customerEmail: string; ownerEmail: string },
  /** The customer's suppression as already read (`null`: read, none). */
  known?: SuppressionRecord | null,
): Promise<void> {
  const suppression =
    known === undefined ? await deps.store.getSuppression(input.customerEmail) : (known ?? undefined);
  if (!suppression) return;
  const what = suppression.reason === 'complaint' ? 'marked our mail as spam' : 'bounced permanently';
  await notifyOwner(deps, {
    key: `suppressed-reply:${input.conversationId}:${suppression.at}`,
    ownerEmail: input.ownerEmail,
    subject: `${input.customerEmail} ${what} earlier`,
    paragraphs: [
      `Your reply in conversation ${input.conversationId} was sent, but ${input.customerEmail} ${what} on ${suppression.at} (${suppression.detail}).`,
      'It may not arrive. No automatic mail goes to this address any more; consider reaching the customer another way.',
    ],
  });
}
