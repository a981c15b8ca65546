import type { InboundOutcome, OutcomeStatus } from '../../domain/types.js';
import type { CustomerData } from '../../ports/support-store.js';

/** What an export puts in place of an address on the reply domain. */
export const WITHHELD_ADDRESS = '[reply address withheld]';

/** Outcomes of mail a customer (or someone on their Cc) wrote to the support address. */
const CUSTOMER_SIDE: ReadonlySet<OutcomeStatus> = new Set([
  'relayed-to-owner',
  'quarantined',
  'duplicate',
  'automatic',
  'rejected',
]);

/** Characters that end a local part when reading back from its `@`. */
const LOCAL_PART_END = new Set([...' \t\r\n<>"\'(),;:[]@\\=']);

/**
 * The text with every address on the reply domain (reply and consult addresses, which carry the
 * tokens that let mail into a conversation, and our relays' Message-IDs) replaced by
 * {@link WITHHELD_ADDRESS}. Found by a literal search for `@<domain>` and a walk back over the local
 * part, so the work is linear in the text whatever it holds.
 */
export function redactReplyAddresses(text: string, replyDomain: string): string {
  const needle = `@${replyDomain.toLowerCase()}`;
  const lower = text.toLowerCase();
  // toLowerCase keeps the length of ASCII and latin1 text; anything else is searched case-sensitively.
  const haystack = lower.length === text.length ? lower : text;
  let out = '';
  let copied = 0;
  let at = haystack.indexOf(needle);
  while (at >= 0) {
    let start = at;
    while (start > copied && !LOCAL_PART_END.has(text[start - 1] as string)) start -= 1;
    out += `${text.slice(copied, start)}${WITHHELD_ADDRESS}`;
    copied = at + needle.length;
    at = haystack.indexOf(needle, copied);
  }
  return out + text.slice(copied);
}

/**
 * Which raw mails an export writes out: the mail the customer's side wrote (stored as their messages,
 * or ended with a customer-side outcome). The raw form of everything else (owners' answers, notes and
 * commands, refused mail to a reply address) holds reply tokens, owners' own addresses and the quoted
 * context block; it is withheld, and the stored items keep what was sent to the customer.
 */
export function exportedRawKeys(
  data: Pick<CustomerData, 'messages' | 'items' | 'rawKeys'>,
  email: string,
): { written: string[]; withheld: string[] } {
  const customerSide = new Set<string>();
  for (const message of data.messages) {
    if (message.direction === 'from-customer' && message.rawKey) customerSide.add(message.rawKey);
  }
  for (const item of data.items) {
    const outcome = item.outcome as InboundOutcome | undefined;
    if (typeof item.rawKey !== 'string' || !outcome) continue;
    const refusedOwnerSide = outcome.status === 'rejected' && outcome.ownerEmail !== undefined;
    if (outcome.customerEmail === email && CUSTOMER_SIDE.has(outcome.status) && !refusedOwnerSide) {
      customerSide.add(item.rawKey);
    }
  }
  for (const message of data.messages) {
    if (message.direction !== 'from-customer' && message.rawKey) customerSide.delete(message.rawKey);
  }
  return {
    written: data.rawKeys.filter((key) => customerSide.has(key)),
    withheld: data.rawKeys.filter((key) => !customerSide.has(key)),
  };
}
