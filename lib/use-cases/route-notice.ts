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
  });
}

/** A customer mail SES marked as spam or a virus is kept and recorded, never relayed. */
export function quarantineByVerdict(
  notice: InboundNotice,
  customerEmail: string,
): InboundOutcome | undefined {
  const { spam, virus } = notice.verdicts;
  if (spam !== 'FAIL' && virus !== 'FAIL') return undefined;
  return {
    status: 'quarantined',
    reason: virus === 'FAIL' ? 'virus' : 'spam',
    detail: `spam=${spam} virus=${virus}; kept at ${notice.rawKey}`,
    customerEmail,
  };
}
