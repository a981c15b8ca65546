import { isOnReplyDomain } from './reply-token.js';

/** What decides who, of a mail's recipients, stays on a conversation. */
export interface ParticipantInput {
  /** Addresses in the mail's `To` and `Cc`, lower-cased. */
  recipients: string[];
  /** The writer of the mail. */
  senderEmail: string;
  customerEmail: string;
  supportAddress: string;
  replyDomain: string;
  ownerEmails: ReadonlySet<string>;
  /** Participants already on the conversation. */
  known: readonly string[];
}

/**
 * The people a customer's mail adds to its conversation (reply-all): everyone in `To`/`Cc` except the
 * support address, reply addresses, owners, the customer and the writer. Only new addresses are returned,
 * in order of appearance.
 */
export function newParticipants(input: ParticipantInput): string[] {
  const known = new Set(input.known);
  const out: string[] = [];
  for (const raw of input.recipients) {
    const address = raw.trim().toLowerCase();
    if (
      address === '' ||
      !address.includes('@') ||
      address === input.supportAddress ||
      address === input.customerEmail ||
      address === input.senderEmail ||
      isOnReplyDomain(address, input.replyDomain) ||
      input.ownerEmails.has(address) ||
      known.has(address)
    ) {
      continue;
    }
    known.add(address);
    out.push(address);
  }
  return out;
}
