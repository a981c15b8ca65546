import { type InboundPlan, mailsOnly, outcomeOnly } from '../delivery/delivery-plan.js';
import type { InboundOutcome } from '../domain/types.js';
import type { ParsedMail } from '../mail/mail-types.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { readOwnerNotice } from './notify-owner.js';
import { rateWindowOf } from './screen-inbound.js';

/**
 * Holds a customer-side mail whose sender failed authentication (`quarantined`/`forged-sender`, see
 * `quarantineByVerdict`): nothing is relayed, threaded or added. When the address it claims is a
 * customer, their owner is told in one line, once per customer and hour, so a flood of forgeries is one
 * notice an hour. Returns the plan: the outcome, and the notice when there is an owner to tell.
 */
export async function holdForgedMail(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'now' | 'config'>,
  notice: InboundNotice,
  mail: ParsedMail,
  held: InboundOutcome,
): Promise<InboundPlan> {
  const claimed = held.customerEmail ?? '';
  const customer = claimed ? await deps.store.getCustomer(claimed) : undefined;
  if (!customer) return outcomeOnly(held);
  const { window } = rateWindowOf(notice.receivedAt, deps.now());
  const told = await readOwnerNotice(deps, {
    key: `forged:${claimed}:${window}`,
    ownerEmail: customer.ownerEmail,
    subject: `Held: a mail claiming to be from ${claimed} failed authentication`,
    paragraphs: [
      `A mail claiming to be from your customer ${claimed} failed authentication (${held.detail ?? ''}); it was held and not forwarded, and further ones this hour are held without another notice. Subject: "${mail.subject.slice(0, 120)}".`,
    ],
  });
  return outcomeOnly({ ...held, ownerEmail: customer.ownerEmail }, told ? mailsOnly(told) : undefined);
}
