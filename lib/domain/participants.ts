import { isOnReplyDomain } from './reply-token.js';

/** A conversation keeps at most this many people on Cc besides its customer: reply-all never grows a list. */
export const MAX_PARTICIPANTS = 10;

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
  /**
   * Addresses the mail's automatic and list header fields name (envelope sender, `Return-Path`,
   * `Sender`, `Errors-To`, `List-*`): a list's or gateway's address, never a person to copy.
   */
  automatic?: ReadonlySet<string>;
}

/** Local parts of mailboxes no person reads: MTAs (RFC 5321, RFC 2142) and no-reply senders. */
const MACHINE_LOCAL_PART =
  /^(mailer[-_]?daemon|postmaster|post_master|no[-_.]?reply|do[-_.]?not[-_.]?reply)$/;

/** Words that make a mailing list's bounce, owner and request addresses (`list-bounces@`, `owner-list@`). */
const LIST_WORDS = new Set(['bounce', 'bounces', 'request', 'owner']);

/** True for a mailbox that only machines use: an MTA, a no-reply sender, a list's own addresses. */
export function isAutomaticMailbox(address: string): boolean {
  const at = address.lastIndexOf('@');
  const local = (at >= 0 ? address.slice(0, at) : address).toLowerCase();
  if (MACHINE_LOCAL_PART.test(local)) return true;
  const words = local.split(/[-+]/);
  if (local === 'bounce' || local === 'bounces') return true;
  return (words.length > 1 && words[0] === 'owner') || words.slice(1).some((word) => LIST_WORDS.has(word));
}

/**
 * The people a customer's mail adds to its conversation (reply-all): everyone in `To`/`Cc` except the
 * support address, reply addresses, owners, the customer, the writer, and machine mailboxes (a list's
 * bounce address, a gateway's postmaster). Only new addresses are returned, in order of appearance.
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
      input.automatic?.has(address) ||
      isAutomaticMailbox(address) ||
      known.has(address)
    ) {
      continue;
    }
    known.add(address);
    out.push(address);
  }
  return out;
}

/** Who of the new participants fits under the cap, and who was refused for it. */
export interface ParticipantAdmission {
  added: string[];
  refused: string[];
}

/** Splits new participants into those that fit under `max` (with the ones already there) and the rest. */
export function admitParticipants(
  known: readonly string[],
  candidates: readonly string[],
  max: number = MAX_PARTICIPANTS,
): ParticipantAdmission {
  const room = Math.max(0, max - known.length);
  return { added: candidates.slice(0, room), refused: candidates.slice(room) };
}
