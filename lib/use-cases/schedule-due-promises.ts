import type { DuePromiseQueue } from '../ports/message-queue.js';
import type { SupportStore } from '../ports/support-store.js';
import { sweepDuePromises } from './sweep-promises.js';

/** What the scheduler runs with: the due index (and the sweep cursor beside it) and the queue it fills. */
export interface ScheduleDeps {
  store: SupportStore;
  queue: DuePromiseQueue;
}

/** One scheduler run: the buckets it read, where the next run starts, and the conversations enqueued. */
export interface ScheduleReport {
  at: string;
  buckets: string[];
  cursor: string;
  enqueued: string[];
}

/**
 * Finds what is due at `now` in the due index exactly as a local sweep does (`sweepDuePromises`: the
 * day buckets from the cursor and `later`, queried up to `now`, never a scan) and hands each due
 * conversation, once per run, to the queue for a worker to carry out its step. Nothing is handled
 * here, so the cursor stays on the oldest day still holding a due entry: what the worker has not yet
 * moved on is found again by the next run, while the queue retries each message on its own.
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
  await deps.queue.enqueue(enqueued);
  return { at: report.at, buckets: report.buckets, cursor: report.cursor, enqueued };
}
