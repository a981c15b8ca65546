import type { StoreWrite } from '../delivery/delivery-plan.js';
import type { OutcomeReason } from '../domain/outcome-reasons.js';
import type { Customer, InboundOutcome } from '../domain/types.js';
import type { ParsedMail } from '../mail/mail-types.js';
import type { SenderCount } from '../ports/support-store.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import type { OwnerNotice } from './notify-owner.js';

/** Rate windows are clock hours (UTC); counters outlive their hour by a day, then TTL removes them. */
const WINDOW_MS = 60 * 60 * 1000;
const COUNTER_GRACE_SECONDS = 24 * 60 * 60;

/**
 * A client resending a mail (same RFC Message-ID from the same sender, a new SES id) is the same
 * message: the first inbound id to claim the pair keeps it, later ones end as `duplicate`. The same
 * inbound id retried finds its own claim and carries on.
 */
export async function screenResend(
  deps: Pick<InboundDeps, 'store'>,
  notice: InboundNotice,
  mail: ParsedMail,
  sender: string,
): Promise<InboundOutcome | undefined> {
  if (!mail.messageId) return undefined;
  const holder = await deps.store.claimRfcMessage(sender, mail.messageId, notice.inboundId);
  if (holder === notice.inboundId) return undefined;
  return resentOutcome(mail.messageId, sender, holder);
}

/** The clock hour a mail counts against: from the receipt time, so a retry counts in the same hour. */
export function rateWindowOf(receivedAt: string, fallback: Date): { window: string; start: Date } {
  const parsed = Date.parse(receivedAt);
  const at = Number.isNaN(parsed) ? fallback.getTime() : parsed;
  const start = new Date(at - (at % WINDOW_MS));
  return { window: start.toISOString().slice(0, 13), start };
}

/**
 * Counts a customer's mail against its hour and claims its Message-ID for that hour, in one write (see
 * {@link refuseCustomerMail} for what the count decides).
 */
export function countCustomerMail(
  deps: Pick<InboundDeps, 'store' | 'now' | 'config'>,
  notice: InboundNotice,
  mail: ParsedMail,
  customerEmail: string,
): Promise<SenderCount> {
  const { window, start } = rateWindowOf(notice.receivedAt, deps.now());
  const expiresAt = Math.floor((start.getTime() + WINDOW_MS) / 1000) + COUNTER_GRACE_SECONDS;
  const cap = deps.config.limits.maxMailsPerSenderPerHour;
  return deps.store.countSenderMail(customerEmail, window, notice.inboundId, cap, expiresAt, mail.messageId);
}

/**
 * What a customer's count says: a client resending a mail within the hour (same Message-ID, a new SES
 * id) is the same message and ends as `duplicate`; beyond the per-sender flood cap the mail is kept (raw
 * mail stays, the outcome is `rejected`/`rate-limited`) and not relayed, and the customer's owner gets
 * one notice per sender and hour. A pair of auto-responders that do not mark their mail ends here too.
 * A resend a later hour is recognised by its Message-ID link instead (see `decideCustomerMail`).
 */
export function refuseCustomerMail(
  deps: Pick<InboundDeps, 'now' | 'config'>,
  notice: InboundNotice,
  mail: ParsedMail,
  customerEmail: string,
  count: SenderCount,
  customer: Customer | undefined,
): Screened | undefined {
  if (count.firstInboundId !== undefined && count.firstInboundId !== notice.inboundId) {
    return { outcome: resentOutcome(mail.messageId ?? '', customerEmail, count.firstInboundId) };
  }
  const cap = deps.config.limits.maxMailsPerSenderPerHour;
  if (count.position <= cap) return undefined;
  const { window, start } = rateWindowOf(notice.receivedAt, deps.now());
  const told: OwnerNotice | undefined = customer
    ? {
        key: `rate-limited:${customerEmail}:${window}`,
        ownerEmail: customer.ownerEmail,
        subject: `Held back: more than ${cap} mails in an hour from ${customerEmail}`,
        paragraphs: [
          `${customerEmail} sent more than ${cap} mails in the hour starting ${start.toISOString()}.`,
          'The mails beyond that were kept but not forwarded to you, so a flood or a loop between automatic responders cannot fill your mailbox. This notice is sent once for that hour.',
          `First held-back mail: ${notice.rawKey}. Ops can replay held-back mail from the raw mail store.`,
        ],
      }
    : undefined;
  const outcome: InboundOutcome = {
    status: 'rejected',
    reason: 'rate-limited',
    detail: `mail ${count.position} from ${customerEmail} in hour ${window}; cap ${cap}; kept at ${notice.rawKey}`,
    customerEmail,
    ...(customer ? { ownerEmail: customer.ownerEmail } : {}),
  };
  return { outcome, ...(told ? { notice: told } : {}) };
}

/** The outcome of a mail that repeats one already received from the same sender. */
export function resentOutcome(messageId: string, sender: string, firstInboundId: string): InboundOutcome {
  return {
    status: 'duplicate',
    reason: 'resent-message-id',
    detail: `${messageId} from ${sender} was already received as ${firstInboundId}`,
  };
}

/** Owner-side refusals that mean someone else may be using an owner's conversation, or the owner's mail was held. */
const REPORTED_REASONS: ReadonlySet<OutcomeReason> = new Set<OutcomeReason>([
  'sender-not-owner',
  'sender-unauthenticated',
  'sender-ambiguous',
  'spam',
  'virus',
]);

/**
 * Pure: the notice that tells the conversation's true owner, once, that an owner-side mail for their
 * conversation was refused or held; `undefined` when nobody is told. Only for mail with a valid reply
 * token: a tampered or unknown token names no conversation anyone can vouch for, so it is only
 * recorded. Refusals are told once per conversation and reason and owner (a forger cannot flood the
 * owner; a new owner after a handoff is told too); a held spam/virus mail once per mail, since it may
 * be the owner's own.
 */
export function ownerSideRefusalNotice(
  notice: Pick<InboundNotice, 'inboundId' | 'rawKey'>,
  mail: Pick<ParsedMail, 'from' | 'subject'>,
  outcome: InboundOutcome,
): OwnerNotice | undefined {
  if (outcome.status !== 'rejected' && outcome.status !== 'quarantined') return undefined;
  const { reason, conversationId, ownerEmail } = outcome;
  if (!reason || !REPORTED_REASONS.has(reason) || !conversationId || !ownerEmail) return undefined;
  const held = outcome.status === 'quarantined';
  const sender = mail.from?.address ?? '(no sender)';
  return {
    key: held
      ? `owner-side:${notice.inboundId}:${reason}`
      : `owner-side:${conversationId}:${ownerEmail}:${reason}`,
    ownerEmail,
    subject: held
      ? `Held: a reply in conversation ${conversationId} was marked as ${reason}`
      : `Refused: a reply to your conversation ${conversationId} did not come from you`,
    paragraphs: [
      held
        ? `A reply from ${sender} to conversation ${conversationId} ("${mail.subject}") was marked as ${reason} on receipt. It was kept and not sent to the customer.`
        : `A mail to the reply address of conversation ${conversationId} ("${mail.subject}") was refused: ${outcome.detail ?? reason}. It was not sent to the customer.`,
      held
        ? 'If it was yours, send your answer again without the flagged content.'
        : 'If it was you, reply from your own mailbox. Otherwise someone may be trying to write to your customer in your name; further attempts of this kind for this conversation are refused without another notice.',
      `Raw mail: ${notice.rawKey}.`,
    ],
  };
}

/** A mail a screen holds: its outcome, and what is written and who is told for it. */
export interface Screened {
  outcome: InboundOutcome;
  writes?: StoreWrite[];
  notice?: OwnerNotice;
}
