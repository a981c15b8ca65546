import { MailRejectedError } from '../domain/errors.js';
import type { InboundOutcome } from '../domain/types.js';

/** Reading and deciding a mail took longer than its processing budget; it ends held, raw mail kept. */
export class ProcessingBudgetError extends MailRejectedError {
  constructor(budgetMs: number) {
    super('processing-budget', `reading and deciding the mail took over ${budgetMs} ms`);
  }
}

/**
 * `work`'s result, or a {@link ProcessingBudgetError} once `budgetMs` has passed. A timer interrupts only
 * between asynchronous steps (reading the raw mail, mailparser's chunks, lookups): synchronous code
 * such as one pattern run cannot be cut short, which is why every pattern on mail text is linear. The
 * work abandoned at the deadline is not cancelled; its result and failure are ignored.
 */
export async function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProcessingBudgetError(budgetMs)), budgetMs);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The outcome of a mail delivered for the `receiveCount`-th time when at most `maxAttempts` attempts
 * may end without a trace: an attempt that crashed or timed out (the whole function, so nothing was
 * recorded, but the queue counted its receive) is held instead of taking its batch down again, and before
 * the queue moves it to the dead-letter queue unrecorded. Attempts that failed cleanly on a transient
 * error (throttling, a 5xx; noted with the claim as `transientFailures`) are retried as before: the
 * mail is fine, the service was not. `undefined` while attempts remain.
 */
export function repeatedFailureOutcome(
  receiveCount: number,
  maxAttempts: number,
  rawKey: string,
  transientFailures = 0,
): InboundOutcome | undefined {
  const untraced = receiveCount - 1 - transientFailures;
  if (receiveCount <= maxAttempts || untraced < maxAttempts) return undefined;
  return {
    status: 'quarantined',
    reason: 'repeated-failure',
    detail: `${untraced} attempts at this mail crashed or timed out; kept at ${rawKey}`,
  };
}
