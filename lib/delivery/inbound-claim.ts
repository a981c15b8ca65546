import { randomUUID } from 'node:crypto';
import type { InboundOutcome } from '../domain/types.js';
import type { InboundNotice } from '../events/inbound-notice.js';
import type { InboundRecord } from '../ports/support-store.js';
import { SEND_LEASE_MS } from './deliver-mail.js';
import type { DeliveryDeps } from './delivery-deps.js';

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
 * The claim of an inbound message that may send: it takes the message's lease, is written while the
 * first lookups run, and is awaited (see {@link claimed}) before anything is written or sent.
 */
export interface InboundClaim {
  readonly inboundId: string;
  readonly record: Promise<InboundRecord>;
  readonly holder: string;
}

/** Starts the claim of a message with a new lease holder. */
export function startClaim(deps: Pick<DeliveryDeps, 'store' | 'now'>, notice: InboundNotice): InboundClaim {
  const holder = randomUUID();
  const now = deps.now();
  const record = deps.store.claimInbound(notice.inboundId, notice.rawKey, now.toISOString(), {
    holder,
    now: now.getTime(),
    until: now.getTime() + SEND_LEASE_MS,
  });
  // Awaited by `claimed`; this only keeps a claim that ends before that from an unhandled rejection.
  record.catch(() => undefined);
  return { inboundId: notice.inboundId, record, holder };
}

/** The claimed record; throws {@link AlreadyEndedError} when an earlier delivery ended the message. */
export async function claimed(claim: InboundClaim): Promise<InboundRecord> {
  const record = await claim.record;
  if (record.outcome) throw new AlreadyEndedError(record.outcome);
  return record;
}

/** Ends a claim's lease, if it took one; best effort (it runs out anyway). */
export async function releaseClaim(deps: Pick<DeliveryDeps, 'store'>, claim: InboundClaim): Promise<void> {
  const took = await claim.record.then(
    () => true,
    () => false,
  );
  if (took) await deps.store.releaseInboundLease(claim.inboundId, claim.holder).catch(() => undefined);
}

/**
 * Claims and ends a message that sends nothing in one write; a message an earlier delivery ended stays
 * as it was (its outcome is returned, with `duplicate`).
 */
export async function settleInbound(
  deps: Pick<DeliveryDeps, 'store' | 'now'>,
  notice: InboundNotice,
  outcome: InboundOutcome,
): Promise<{ outcome: InboundOutcome; duplicate: boolean }> {
  const at = deps.now().toISOString();
  const { record, settled } = await deps.store.settleInbound(notice.inboundId, notice.rawKey, at, outcome);
  return settled ? { outcome, duplicate: false } : { outcome: record.outcome ?? outcome, duplicate: true };
}
