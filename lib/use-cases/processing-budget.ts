import { MailRejectedError } from '../domain/errors.js';
import type { InboundOutcome } from '../domain/types.js';

/** Reading and deciding a mail took longer than its processing budget; it ends held, raw mail kept. */
export class ProcessingBudgetError extends MailRejectedError {
  constructor(budgetMs: number) {
    super('processing-budget', `reading and deciding the mail took over ${budgetMs} ms`);
  }
}

/**
 * `work`'s result, or a {@link ProcessingBudgetError} once `budgetMs` has passed. At the deadline the
 * signal given to `work` is aborted and `work` is waited for: it passes the signal to its reads and checks
 * it between its steps, so nothing it started (a raw-mail read, a claim, a lookup) is left in flight when
 * this returns; in Lambda such a call would be frozen with the container and resume in a later
 * invocation. Work that ignores the signal is waited for up to `budgetMs` more, so a call that answers
 * neither its signal nor its timeout cannot hold the batch for ever. A timer
 * interrupts only between asynchronous steps: synchronous code such as one pattern run cannot be cut
 * short, which is why every pattern on mail text is linear.
 */
export async function withinBudget<T>(
  work: (signal: AbortSignal) => Promise<T>,
  budgetMs: number,
): Promise<T> {
  const controller = new AbortController();
  const running = work(controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), budgetMs);
  });
  running.catch(() => undefined);
  try {
    const first = await Promise.race([running, deadline]);
    if (first !== 'deadline') return running;
  } finally {
    clearTimeout(timer);
  }
  const exceeded = new ProcessingBudgetError(budgetMs);
  controller.abort(exceeded);
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([
    running.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      grace = setTimeout(resolve, budgetMs);
    }),
  ]);
  clearTimeout(grace);
  throw exceeded;
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
