import addressparser from 'nodemailer/lib/addressparser';
import type { ParsedMail } from './mail-types.js';

/** Header fields that name a mail's machinery (bounce and error returns, the sending agent). */
const RETURN_FIELDS = ['return-path', 'sender', 'errors-to', 'x-original-sender', 'x-beenthere'];

/** RFC 2369 fields, whose values are `<mailto:…>` URLs (among others). */
const LIST_FIELDS = ['list-post', 'list-owner', 'list-help', 'list-subscribe', 'list-unsubscribe', 'list-id'];

/**
 * Every address a mail's automatic and list header fields name, lower-cased, with the envelope sender:
 * a list's bounce address or a gateway's sender, which must never become someone to copy (reply-all).
 */
export function automaticAddresses(mail: Pick<ParsedMail, 'headers'>, envelopeFrom: string): Set<string> {
  const found = new Set<string>();
  const add = (address: string | undefined) => {
    const normalised = address?.trim().toLowerCase();
    if (normalised?.includes('@')) found.add(normalised);
  };
  add(envelopeFrom);
  for (const field of RETURN_FIELDS) {
    for (const value of mail.headers.get(field) ?? []) {
      for (const { address } of addressparser(value, { flatten: true })) add(address);
    }
  }
  for (const field of LIST_FIELDS) {
    for (const value of mail.headers.get(field) ?? []) {
      for (const part of value.split(/[<>,\s]+/)) {
        if (part.toLowerCase().startsWith('mailto:')) add(part.slice('mailto:'.length).split('?')[0]);
      }
    }
  }
  return found;
}
