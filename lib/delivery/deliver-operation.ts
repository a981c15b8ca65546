import type { SentMailRecord } from '../ports/support-store.js';
import { applyStoreWritesInOrder } from './apply-store-writes.js';
import { deliverMail, type MailDeliveryDeps } from './deliver-mail.js';
import type { OperationPlan } from './delivery-plan.js';

/**
 * Carries out an operation in order: its writes, its mails (each at most once by key), then the writes
 * that come last. Every step is idempotent, so an operation that died at any step is finished by
 * carrying out the same plan again (the CLI's handoff and an owner's return are retried that way).
 */
export async function deliverOperation(
  deps: MailDeliveryDeps,
  plan: OperationPlan,
  /** The inbound mail's first attempt, when the operation is an inbound message's (see `deliverMail`). */
  firstAttempt = false,
): Promise<SentMailRecord[]> {
  await applyStoreWritesInOrder(deps.store, plan.before);
  const sent: SentMailRecord[] = [];
  for (const mail of plan.mails) sent.push(await deliverMail(deps, mail, firstAttempt));
  await applyStoreWritesInOrder(deps.store, plan.after);
  return sent;
}
