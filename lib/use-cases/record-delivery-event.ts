import type { DeliveryEvent } from '../events/ses-delivery-event.js';
import type { SuppressionRecord } from '../ports/support-store.js';
import type { InboundDeps } from './inbound-deps.js';
import { notifyOwner } from './notify-owner.js';

/** What one delivery event changed. */
export interface DeliveryEventResult {
  /** Addresses now suppressed for automatic mail. */
  suppressed: string[];
  /** Owners told about their customer's address. */
  ownersTold: string[];
  /** Why nothing was done, when nothing was. */
  ignored?: string;
}

/**
 * Rule 4 for sent mail: a hard bounce or a complaint suppresses the address for automatic mail and tells
 * the customer's owner, once per SES feedback id and address (so a redelivered event changes nothing).
 * Transient bounces and other events are only reported back. Addresses that are not customers (an
 * owner's mailbox bouncing a relay) are suppressed too; there is no owner to tell.
 */
export async function recordDeliveryEvent(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'now' | 'config'>,
  event: DeliveryEvent,
): Promise<DeliveryEventResult> {
  if (event.kind === 'other') return { suppressed: [], ownersTold: [], ignored: `${event.type} event` };
  if (event.kind === 'bounce' && !event.permanent) {
    return { suppressed: [], ownersTold: [], ignored: `${event.bounceType} bounce (${event.subType})` };
  }
  const result: DeliveryEventResult = { suppressed: [], ownersTold: [] };
  for (const recipient of event.recipients) {
    const record: SuppressionRecord =
      event.kind === 'bounce'
        ? {
            address: recipient.address,
            reason: 'hard-bounce',
            detail: [event.subType, recipient.status, recipient.diagnostic].filter(Boolean).join('; '),
            at: event.at,
          }
        : { address: recipient.address, reason: 'complaint', detail: event.feedbackType, at: event.at };
    await deps.store.suppressAddress(record);
    result.suppressed.push(recipient.address);
    const customer = await deps.store.getCustomer(recipient.address);
    if (!customer) continue;
    const what =
      event.kind === 'bounce' ? 'bounced permanently' : `reported our mail as spam (${record.detail})`;
    const sent = await notifyOwner(deps, {
      key: `delivery:${event.feedbackId}:${recipient.address}`,
      ownerEmail: customer.ownerEmail,
      subject: `Your customer ${recipient.address} ${event.kind === 'bounce' ? 'bounced' : 'complained'}`,
      paragraphs: [
        `A mail to your customer ${recipient.address} ${what} on ${event.at}.`,
        event.kind === 'bounce' ? `Reason: ${record.detail || 'not given'}.` : '',
        'No automatic mail goes to this address from now on. Your own replies are still sent; you will be reminded when you answer.',
      ].filter((paragraph) => paragraph !== ''),
    });
    if (sent) result.ownersTold.push(customer.ownerEmail);
  }
  return result;
}
