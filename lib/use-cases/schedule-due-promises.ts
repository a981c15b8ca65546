import type { DueWork } from '../domain/due-work.js';
import type { DuePromiseQueue } from '../ports/message-queue.js';
import type { SupportStore } from '../ports/support-store.js';
import { reminderFrom, sweepDuePromises } from './sweep-promises.js';

/** What the scheduler runs with: the due index (and the sweep cursor beside it) and the queue it fills. */
export interface ScheduleDeps {
  store: SupportStore;
  queue: DuePromiseQueue;
}

/**
 * One scheduler run: the buckets it read, where the next run starts, the conversations enqueued for
 * their promise step, and the consult reminders enqueued.
 */
export interface ScheduleReport {
  at: string;
  buckets: string[];
  cursor: string;
  enqueued: string[];
  reminders: number;
}

/**
 * Finds what is due at `now` in the due index exactly as a local sweep does (`sweepDuePromises`: the
 * day buckets from the cursor and `later`, queried up to `now`, never a scan) and hands each due
 * conversation, once per run, to the queue for a worker to carry out its step. Nothing is handled
 * here, so the cursor stays on the oldest day still holding a due entry: what the worker has not yet
 * moved on is found again by the next run, while the queue retries each message on its own.
 *
 * The reminders of questions to colleagues that fell due are read the same way a local sweep reads them
 * (the reminder index from the cursor's day or two days back, see `reminderFrom`) and enqueued one per
 * question; each leaves the index once its worker has reminded the owner.
 */
export async function scheduleDuePromises(deps: ScheduleDeps, now: Date): Promise<ScheduleReport> {
  const enqueued: string[] = [];
  const report = await sweepDuePromises(deps.store, {
    now,
    realNow: now,
    handle: async (entry) => {
      enqueued.push(entry.conversationId);
      return undefined;
    },
  });
  const reminders = await deps.store.listDueConsultReminders(
    reminderFrom(report.buckets[0], now),
    now.toISOString(),
  );
  const work: DueWork[] = [
    ...enqueued.map((conversationId) => ({ kind: 'promise-step' as const, conversationId })),
    ...reminders.map(({ conversationId, questionId, colleague }) => ({
      kind: 'consult-reminder' as const,
      conversationId,
      questionId,
      colleague,
    })),
  ];
  await deps.queue.enqueue(work);
  return {
    at: report.at,
    buckets: report.buckets,
    cursor: report.cursor,
    enqueued,
    reminders: reminders.length,
  };
}
