import type { Conversation, Customer, InboundOutcome, Owner } from '../domain/types.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { rateWindowOf, type Screened } from './screen-inbound.js';

const HOUR_MS = 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;
/** Counter items outlive their window by a day, then TTL removes them. */
const COUNTER_GRACE_SECONDS = 24 * 60 * 60;

/** The counter of new customers per clock hour, over all senders. */
export const NEW_CUSTOMERS_COUNTER = 'new-customers';

/** The outcome reason of a new sender's mail beyond `limits.maxNewCustomersPerHour`. */
export const NEW_CUSTOMER_CAP = 'new-customer-cap';

/** The outcome reason of customer-side mail in a conversation that was ended as a loop. */
export const LOOP_ENDED = 'loop-ended';

/** What the screen decides from the counts, for {@link loopDecision}. */
export type LoopDecision = 'relay' | 'held' | 'ends-now';

/**
 * Pure: whether a customer-side mail in a conversation is relayed, held because the conversation was
 * ended as a loop less than `holdHours` ago, or ends it now (its burst counter refused it).
 */
export function loopDecision(input: {
  loopEndedAt: string | undefined;
  receivedAt: number;
  holdHours: number;
  admitted?: boolean;
}): LoopDecision {
  if (input.loopEndedAt !== undefined) {
    const ended = Date.parse(input.loopEndedAt);
    if (!Number.isNaN(ended) && input.receivedAt - ended < input.holdHours * HOUR_MS) return 'held';
  }
  return input.admitted === false ? 'ends-now' : 'relay';
}

/** Pure: the loop window a mail received at `receivedAt` (ms) falls in: whole windows since the epoch. */
export function loopWindowOf(receivedAt: number, windowMinutes: number): number {
  return Math.floor(receivedAt / (windowMinutes * MINUTE_MS));
}

/**
 * Pure: how many customer-side mails the conversation relayed in loop window `window`, as counted with
 * their thread entries (see `Conversation.paceWindow`).
 */
export function paceIn(thread: Pick<Conversation, 'paceWindow' | 'paceCount'>, window: number): number {
  return thread.paceWindow === window ? (thread.paceCount ?? 0) : 0;
}

/** What the customer-side screens read of a mail's lookups: the owners, the customer, the conversation. */
export interface CustomerSideLookups {
  owners: readonly Owner[];
  customer: Customer | null | undefined;
  thread: Conversation | undefined;
}

/**
 * Customer-side screens that need the lookups: an owner's own mail to the support address (an
 * auto-responder answering one of our notices) is recorded, never relayed; a new sender beyond the
 * hourly new-customer cap is held; and a conversation whose customer side writes faster than people do
 * (more than `limits.loopMailsPerConversation` mails within `limits.loopWindowMinutes`) is ended as a
 * loop: its mail is held for `limits.loopHoldHours` and its owner told once.
 *
 * The new-customer counter is a conditional write that decides (one bounded item per hour, see
 * `countCapped`). The loop's pace is read from the conversation, where each relay counts itself with its
 * thread entries (no write of its own): mails of one conversation that arrive at the same instant may
 * pass the limit by how many there are at once, which a loop, one answer after another, never does. The
 * loop's end and its notice are returned for the plan.
 *
 * @returns What holds the mail, or `undefined` to relay it.
 */
export async function screenCustomerSide(
  deps: Pick<InboundDeps, 'store' | 'now' | 'config'>,
  notice: InboundNotice,
  senderEmail: string,
  looked: CustomerSideLookups,
  isWriter: boolean,
): Promise<Screened | undefined> {
  const { limits } = deps.config;
  if (looked.owners.some((owner) => owner.email === senderEmail)) {
    return held({
      status: 'rejected',
      reason: 'sender-is-owner',
      detail: `${senderEmail} is an owner: mail from an owner to the support address (an auto-reply to a notice) is recorded, never relayed; kept at ${notice.rawKey}`,
      ownerEmail: senderEmail,
    });
  }
  const { window, start } = rateWindowOf(notice.receivedAt, deps.now());
  if (!isWriter && !looked.customer) {
    const expiresAt = Math.floor((start.getTime() + HOUR_MS) / 1000) + COUNTER_GRACE_SECONDS;
    const cap = limits.maxNewCustomersPerHour;
    const counted = await deps.store.countCapped(
      NEW_CUSTOMERS_COUNTER,
      window,
      notice.inboundId,
      cap,
      expiresAt,
    );
    if (!counted.admitted) {
      return held({
        status: 'quarantined',
        reason: NEW_CUSTOMER_CAP,
        detail: `more than ${cap} new customers in hour ${window}; kept at ${notice.rawKey}`,
        customerEmail: senderEmail,
      });
    }
  }
  const { thread } = looked;
  if (!thread) return undefined;
  const receivedAt = Date.parse(notice.receivedAt) || deps.now().getTime();
  const loopHeld = (): InboundOutcome => ({
    status: 'rejected',
    reason: LOOP_ENDED,
    detail: `conversation ${thread.id} was ended as a loop; kept at ${notice.rawKey}`,
    conversationId: thread.id,
    customerEmail: thread.customerEmail,
    ownerEmail: thread.ownerEmail,
  });
  const before = loopDecision({
    loopEndedAt: thread.loopEndedAt,
    receivedAt,
    holdHours: limits.loopHoldHours,
  });
  if (before === 'held') return held(loopHeld());
  const bucket = loopWindowOf(receivedAt, limits.loopWindowMinutes);
  const decision = loopDecision({
    loopEndedAt: undefined,
    receivedAt,
    holdHours: limits.loopHoldHours,
    admitted: paceIn(thread, bucket) < limits.loopMailsPerConversation,
  });
  if (decision === 'relay') return undefined;
  const endedAt = new Date(receivedAt).toISOString();
  return {
    outcome: loopHeld(),
    writes: [{ kind: 'mark-loop-ended', conversationId: thread.id, at: endedAt }],
    notice: {
      key: `loop-ended:${thread.id}:${bucket}`,
      ownerEmail: thread.ownerEmail,
      subject: `Ended: conversation ${thread.id} with ${thread.customerEmail} looks like a mail loop`,
      paragraphs: [
        `More than ${limits.loopMailsPerConversation} mails reached conversation ${thread.id} ("${thread.subject.slice(0, 120)}") from the customer's side within ${limits.loopWindowMinutes} minutes: faster than people write, so automatic responders are probably answering each other.`,
        `For the next ${limits.loopHoldHours} hours, mail from the customer's side in this conversation is kept but not forwarded to you. Your own answers still reach the customer. This notice is sent once.`,
        `First held mail: ${notice.rawKey}.`,
      ],
    },
  };
}

function held(outcome: InboundOutcome): Screened {
  return { outcome };
}
