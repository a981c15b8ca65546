import { randomUUID } from 'node:crypto';
import type { InboundOutcome } from '../domain/types.js';
import type { InboundRecord } from '../ports/support-store.js';
import type { InboundDeps, InboundNotice } from './inbound-deps.js';
import { SEND_LEASE_MS } from './send-once.js';

/** An earlier delivery already ended this message: nothing is done again. */
export class AlreadyEndedError extends Error {
  override readonly name = 'AlreadyEndedError';
  readonly outcome: InboundOutcome;
  constructor(outcome: InboundOutcome) {
    super(`inbound message already ended as ${outcome.status}`);
    this.outcome = outcome;
  }
}

/**
 * One attempt at an inbound message that may send: its claim, which takes the message's lease, is
 * written while the first lookups run, and awaited (see {@link claimed}) before anything is written or
 * sent.
 */
export interface InboundAttempt {
  readonly claim: Promise<InboundRecord>;
  readonly holder: string;
  /**
   * From right before the message's relay goes to the sender until its record is written: a failure
   * then keeps the lease (a retry at once could send the relay again), any other failure frees it.
   */
  relayUnrecorded: boolean;
}

/** Starts the claim of a message with a new lease holder. */
export function startAttempt(
  deps: Pick<InboundDeps, 'store' | 'now'>,
  notice: InboundNotice,
): InboundAttempt {
  const holder = randomUUID();
  const now = deps.now();
  const claim = deps.store.claimInbound(notice.inboundId, notice.rawKey, now.toISOString(), {
    holder,
    now: now.getTime(),
    until: now.getTime() + SEND_LEASE_MS,
  });
  // Awaited by `claimed`; this only keeps an attempt that ends before that from an unhandled rejection.
  claim.catch(() => undefined);
  return { claim, holder, relayUnrecorded: false };
}

/** The claimed record; throws {@link AlreadyEndedError} when an earlier delivery ended the message. */
export async function claimed(attempt: InboundAttempt): Promise<InboundRecord> {
  const record = await attempt.claim;
  if (record.outcome) throw new AlreadyEndedError(record.outcome);
  return record;
}
