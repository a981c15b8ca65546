import { customerTrust } from '../domain/customer-trust.js';
import { type InboundRoute, routeInbound } from '../domain/route-inbound.js';
import type { InboundOutcome } from '../domain/types.js';
import { classifyAutomatic } from '../mail/classify-automatic.js';
import type { ParsedMail } from '../mail/mail-types.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';

/** Routes a received mail (parsed whole, or only its headers) by its envelope, sender and automatic markers. */
export function routeNotice(
  deps: Pick<InboundDeps, 'config'>,
  notice: InboundNotice,
  mail: ParsedMail,
): InboundRoute {
  return routeInbound({
    recipients: notice.recipients,
    fromAddress: mail.from?.address,
    fromName: mail.from?.name,
    automatic: classifyAutomatic(mail, notice.envelopeFrom),
    replyDomain: deps.config.replyDomain,
    ownerEmails: new Set(deps.config.owners.map((owner) => owner.email.toLowerCase())),
    supportAddress: deps.config.supportAddress,
  });
}

/**
 * A customer mail SES marked as spam or a virus, or whose sender failed authentication (DMARC, or SPF
 * and DKIM both: see `customerTrust`), is kept and recorded, never relayed. A forged one is
 * `quarantined`/`forged-sender`: it changes no participant and its customer's owner is told (see
 * `holdForgedMail`).
 */
export function quarantineByVerdict(
  notice: InboundNotice,
  customerEmail: string,
): InboundOutcome | undefined {
  const { spam, virus, spf, dkim, dmarc } = notice.verdicts;
  if (spam === 'FAIL' || virus === 'FAIL') {
    return {
      status: 'quarantined',
      reason: virus === 'FAIL' ? 'virus' : 'spam',
      detail: `spam=${spam} virus=${virus}; kept at ${notice.rawKey}`,
      customerEmail,
    };
  }
  if (customerTrust(notice.verdicts) !== 'forged') return undefined;
  return {
    status: 'quarantined',
    reason: FORGED_SENDER,
    detail: `spf=${spf} dkim=${dkim} dmarc=${dmarc}; kept at ${notice.rawKey}`,
    customerEmail,
  };
}

/** The outcome reason of customer-side mail whose sender failed authentication. */
export const FORGED_SENDER = 'forged-sender';
