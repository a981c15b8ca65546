import { PermanentFailureError, SendNotTakenError } from '../domain/errors.js';
import type { InboundOutcome } from '../domain/types.js';
import type { InboundRecord, SentMailRecord } from '../ports/support-store.js';
import { applyStoreWrites } from './apply-store-writes.js';
import { deliverMail, renderMail, sendAndRecord } from './deliver-mail.js';
import { deliverOperation } from './deliver-operation.js';
import type { DeliveryDeps } from './delivery-deps.js';
import type { InboundPlan, InboundRelay } from './delivery-plan.js';
import { AlreadyEndedError, claimed, type InboundClaim, releaseClaim } from './inbound-claim.js';

/** How an inbound message ended, and whether an earlier delivery had already ended it. */
export interface DeliveredInbound {
  outcome: InboundOutcome;
  duplicate: boolean;
}

/**
 * Reads, decides and carries out one claimed inbound message: `decide` reads what the message needs
 * (awaiting the claim before any conditional write) and returns its plan, which is carried out in the
 * plan's order and ends with the message's outcome.
 *
 * Recovery: a message an earlier delivery ended is reported as a duplicate; a permanent failure is
 * recorded as `failedOutcome(error)`; any other failure frees the message's lease for a retry at once,
 * unless the relay may have gone out unrecorded (then the lease runs out first, and the retry finds the
 * relay's record or, in the one duplicate window, sends it again).
 */
export async function deliverInbound(
  deps: DeliveryDeps,
  claim: InboundClaim,
  decide: () => Promise<InboundPlan>,
  failedOutcome: (error: PermanentFailureError) => InboundOutcome,
): Promise<DeliveredInbound> {
  const state = { keepLease: false };
  let outcome: InboundOutcome;
  let recorded = false;
  try {
    // A decision that failed before awaiting the claim still waits for it: the outcome is written after
    // the claim, never beside a claim write still in flight.
    const plan = await decide().catch(async (error: unknown) => {
      await claimed(claim);
      throw error;
    });
    const record = await claimed(claim);
    const firstAttempt = record.attempts === 1;
    if (plan.operation) await deliverOperation(deps, plan.operation, firstAttempt);
    let relayed: RelayDelivered | undefined;
    if (plan.relay) {
      relayed = await deliverRelay(deps, claim.inboundId, record, plan, plan.relay, state);
      recorded = relayed.recorded;
    }
    for (const mail of plan.followUps ?? []) await deliverMail(deps, mail, firstAttempt);
    outcome = plan.outcome(relayed?.sent);
  } catch (error) {
    if (error instanceof AlreadyEndedError) return { outcome: error.outcome, duplicate: true };
    if (!(error instanceof PermanentFailureError)) {
      if (!state.keepLease) await releaseClaim(deps, claim);
      throw error;
    }
    outcome = failedOutcome(error);
    recorded = false;
  }
  if (!recorded) await deps.store.recordOutcome(claim.inboundId, outcome);
  return { outcome, duplicate: false };
}

interface RelayDelivered {
  sent: SentMailRecord;
  /** Whether the outcome was written with the relay's record. */
  recorded: boolean;
}

/**
 * Sends an inbound message's one relay while the writes that store the message finish. The claim's lease
 * guards it, and its record goes on the inbound record: with the outcome when the relay ends the
 * message (nothing follows it) and the message is stored, else alone (the outcome then comes later, or
 * from the retry). A failed store is thrown only after the send settled, so the record keeps the retry
 * from resending.
 *
 * If the writes after the send fail, the outcome written beside them is taken back so the retry makes
 * them; only a process that dies between those two writes leaves the outcome without its thread entries
 * (the mail is stored and relayed once either way).
 */
async function deliverRelay(
  deps: DeliveryDeps,
  inboundId: string,
  record: InboundRecord,
  plan: InboundPlan,
  relay: InboundRelay,
  /** Set while the relay may have gone out unrecorded: a failure then keeps the lease. */
  state: { keepLease: boolean },
): Promise<RelayDelivered> {
  if (record.relay) return redoRelayWrites(deps, relay, record.relay);
  // Composed before the writes start, so the send goes out beside them rather than after them.
  const mail = await renderMail(deps, relay.mail);
  const beside = applyStoreWrites(deps.store, relay.beside);
  beside.catch(() => undefined);
  const stored = beside.then(
    () => true,
    () => false,
  );
  const endsHere = (plan.followUps ?? []).length === 0;
  let recorded = false;
  let sending: Awaited<ReturnType<typeof sendAndRecord>>;
  try {
    state.keepLease = true;
    sending = await sendAndRecord(deps, relay.key, mail, {
      beside,
      afterSend: relay.afterSend,
      record: async (sent) => {
        if (!endsHere || !(await stored)) return deps.store.recordRelay(inboundId, sent);
        await deps.store.recordOutcome(inboundId, plan.outcome(sent), sent);
        recorded = true;
      },
    });
  } finally {
    await stored;
  }
  if (!sending.ok) {
    // A relay the provider did not take went nowhere; a failure after its record leaves it recorded.
    if (sending.failed === 'send' && sending.error instanceof SendNotTakenError) state.keepLease = false;
    if (sending.failed === 'after-send') {
      state.keepLease = false;
      await deps.store.reopenInbound(inboundId).catch(() => undefined);
    }
    throw sending.error;
  }
  state.keepLease = false;
  await beside;
  return { sent: sending.sent, recorded };
}

/** An earlier attempt sent and recorded the relay: only its writes are made again (all idempotent). */
async function redoRelayWrites(
  deps: DeliveryDeps,
  relay: InboundRelay,
  existing: SentMailRecord,
): Promise<RelayDelivered> {
  const beside = applyStoreWrites(deps.store, relay.beside);
  const after = beside.then(
    () => applyStoreWrites(deps.store, relay.afterSend(existing)),
    () => undefined,
  );
  await Promise.allSettled([beside, after]);
  await beside;
  await after;
  return { sent: existing, recorded: false };
}
