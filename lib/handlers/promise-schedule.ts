import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type ScheduleDeps,
  type ScheduleReport,
  scheduleDuePromises,
} from '../use-cases/schedule-due-promises.js';

/**
 * The promise scheduler's body, run by an EventBridge rule every minute: reads what is due from the
 * due index and enqueues one message per due conversation. A failure (a query or the queue refused)
 * is thrown, so the run counts as a function error and the scheduler's alarm sees it; the next run a
 * minute later finds the same entries again, as the cursor never passes a day still holding one.
 */
export function createPromiseScheduleHandler(
  deps: () => ScheduleDeps,
  logger: Logger,
  now: () => Date = () => new Date(),
): (event?: unknown) => Promise<ScheduleReport> {
  return async () => {
    const report = await scheduleDuePromises(deps(), now());
    logger.info('due promises enqueued', {
      at: report.at,
      buckets: report.buckets.length,
      cursor: report.cursor,
      enqueued: report.enqueued.length,
    });
    return report;
  };
}
