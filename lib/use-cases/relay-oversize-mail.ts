import { type InboundPlan, outcomeOnly } from '../delivery/delivery-plan.js';
import type { InboundOutcome } from '../domain/types.js';
import { outlineMail } from '../mail/mail-outline.js';
import { formatBytes } from '../mail/mail-size.js';
import { rawMailLocationLines } from '../mail/raw-mail-location-text.js';
import type { InboundRecord } from '../ports/support-store.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { decideConsultAnswer, decideConsultAutomatic } from './relay-consult-answer.js';
import { decideCustomerMail } from './relay-customer-mail.js';
import { quarantineByVerdict, routeNotice } from './route-notice.js';

/**
 * A mail larger than `limits.maxMessageBytes` is not parsed or relayed whole; its owner is told instead.
 * Only its headers and attachment names are read. A customer's mail then reaches their owner, in its
 * conversation, as a notice stating who wrote, the subject, the size, the attachment names and where the
 * raw mail is (a presigned link in AWS, with how long it truly works, a file path locally, and
 * `spoc raw <inbound-id>` for any time after); the owner answers the notice like any
 * relay. Automatic mail is recorded as such, an oversized owner reply is rejected (the owner's own mail
 * client reports nothing either way, so the outcome says why).
 */
export async function decideOversizeMail(
  deps: InboundDeps,
  notice: InboundNotice,
  raw: Buffer,
  claim: Promise<InboundRecord>,
): Promise<InboundPlan> {
  const { headers, attachmentNames } = await outlineMail(raw);
  const size = formatBytes(raw.length);
  const limit = formatBytes(deps.config.limits.maxMessageBytes);
  const route = routeNotice(deps, notice, headers);
  switch (route.kind) {
    case 'automatic':
      if (route.consult) {
        await claim;
        return decideConsultAutomatic(deps, notice, { ...route, consult: route.consult });
      }
      return ended({
        status: 'automatic',
        reason: route.reason,
        detail: `${route.automaticKind}; ${size}, never answered`,
      });
    case 'rejected':
      return ended({ status: 'rejected', reason: route.reason, detail: route.detail });
    case 'consult-answer': {
      // The colleague's answer reaches the owner as a note of its size and where it is kept.
      await claim;
      const located = await deps.rawMail.locate(notice.rawKey);
      const text = [
        `This answer was too large to relay (${size}; the limit is ${limit}).`,
        '',
        ...(attachmentNames.length > 0
          ? ['Attachments:', ...attachmentNames.map((name) => `  - ${name}`)]
          : ['Attachments: none found']),
        '',
        ...rawMailLocationLines(located, notice.rawKey, deps.now()),
      ].join('\n');
      return decideConsultAnswer(
        deps,
        notice,
        { ...headers, text, attachments: [] },
        route.claim,
        route.senderAddress,
      );
    }
    case 'owner-side':
      return ended({
        status: 'rejected',
        reason: 'too-large',
        detail: `owner reply of ${size} is over the ${limit} that can be relayed; kept at ${notice.rawKey}`,
      });
    case 'customer': {
      const quarantined = quarantineByVerdict(notice, route.customerEmail);
      if (quarantined) return ended(quarantined);
      const located = await deps.rawMail.locate(notice.rawKey);
      const text = [
        `This mail was too large to relay (${size}; the limit is ${limit}).`,
        '',
        `From: ${headers.from?.name ? `${headers.from.name} ` : ''}<${route.customerEmail}>`,
        `Subject: ${headers.subject || '(no subject)'}`,
        ...(attachmentNames.length > 0
          ? ['Attachments:', ...attachmentNames.map((name) => `  - ${name}`)]
          : ['Attachments: none found']),
        '',
        ...rawMailLocationLines(located, notice.rawKey, deps.now()),
        '',
        'Reply to this mail to answer the customer as usual.',
      ].join('\n');
      return decideCustomerMail(
        deps,
        notice,
        { ...headers, text, attachments: [] },
        route.customerEmail,
        route.customerName,
        claim,
        {
          describe: (outcome) => ({
            ...outcome,
            reason: 'too-large',
            detail: `${size}; owner told where it is. ${outcome.detail ?? ''}`.trim(),
          }),
        },
      );
    }
  }
}

/** An outcome reached without sending. */
function ended(outcome: InboundOutcome): InboundPlan {
  return outcomeOnly(outcome);
}
