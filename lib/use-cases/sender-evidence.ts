import addressparser from 'nodemailer/lib/addressparser';
import type { SenderEvidence } from '../domain/sender-alignment.js';
import type { ParsedMail } from '../mail/mail-types.js';
import type { InboundNotice } from './inbound-deps.js';

/**
 * What a received mail shows about its sender: its From fields and addresses, the envelope sender, and
 * SES's `Authentication-Results`, the topmost one, from the notification's header list when SES sent
 * it, else from the stored mail (SES writes the same field into it; a replay reads it there).
 */
export function senderEvidence(notice: InboundNotice, mail: ParsedMail): SenderEvidence {
  const fromFields = mail.headers.get('from') ?? [];
  const fromAddresses = fromFields.flatMap((value) =>
    addressparser(value, { flatten: true }).flatMap(({ address }) => {
      const normalised = (address ?? '').trim().toLowerCase();
      return normalised ? [normalised] : [];
    }),
  );
  const authenticationResults = notice.headers
    ? notice.headers.find((field) => field.name.trim().toLowerCase() === 'authentication-results')?.value
    : mail.headers.get('authentication-results')?.[0];
  return {
    fromFields: fromFields.length,
    fromAddresses,
    envelopeFrom: notice.envelopeFrom,
    ...(authenticationResults === undefined ? {} : { authenticationResults }),
  };
}
