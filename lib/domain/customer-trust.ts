import type { ReceiptVerdicts } from './receipt-verdicts.js';
import { isOnReplyDomain } from './reply-token.js';

/**
 * How far a customer-side mail can be believed to come from its `From`:
 * - `forged`: DMARC failed, or SPF and DKIM both failed. Held, never relayed, changes nothing.
 * - `unverified`: neither SPF nor DKIM passed (no record, a temporary error), nothing failed. Relayed
 *   to the owner, but it adds no one to the conversation, fills in no name and gets no first contact.
 * - `verified`: SPF or DKIM passed and DMARC did not fail.
 */
export type CustomerTrust = 'forged' | 'unverified' | 'verified';

/** Reads SES's verdicts for a customer-side mail (see {@link CustomerTrust}). */
export function customerTrust(verdicts: Pick<ReceiptVerdicts, 'spf' | 'dkim' | 'dmarc'>): CustomerTrust {
  if (verdicts.dmarc === 'FAIL' || (verdicts.spf === 'FAIL' && verdicts.dkim === 'FAIL')) return 'forged';
  return verdicts.spf === 'PASS' || verdicts.dkim === 'PASS' ? 'verified' : 'unverified';
}

/**
 * True for an address of this inbox itself: the support address, anything on the reply domain, or
 * anything else on the support address's domain claiming to be us. Mail from it is never a customer
 * (an echo of our own mail, another instance's relay, or a forgery).
 */
export function isOwnAddress(address: string, supportAddress: string, replyDomain: string): boolean {
  const lower = address.toLowerCase();
  return lower === supportAddress.toLowerCase() || isOnReplyDomain(lower, replyDomain);
}
