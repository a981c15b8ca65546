import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DueWork } from '../domain/due-work.js';
import { PermanentFailureError } from '../domain/errors.js';
import { parseDueWorkMessage, UnreadablePromiseMessageError } from '../events/due-promise-message.js';
import { remindConsultQuestion } from '../use-cases/remind-consult-questions.js';
import { type PromiseStepResult, runPromiseStep, type SweepDeps } from '../use-cases/sweep-promises.js';
import { sqsBatchHandler } from './sqs-batch-handler.js';

/**
 * The promise-step function's body: each SQS record names one due conversation, whose step (nudge,
 * handover, lead mail, reminder) runs through `runPromiseStep` and the delivery module, each mail at
 * most once by its conversation, epoch and step key, so a redelivered record sends nothing again; or
 * one question to a colleague whose reminder is due (`remindConsultQuestion`, once by its question).
 *
 * A failure a retry can fix (a service error, a throttled send) fails the record, which the queue
 * retries and, after its receive limit, parks in the DLQ. A failure no retry fixes (a step refused by
 * its own facts, a send SES rejects) is logged and the record is done: the promise stays in the due
 * index, so the scheduler brings it back while it is due. An unreadable record fails for the DLQ.
 */
export function createPromiseStepBatchHandler(
  deps: () => Promise<SweepDeps>,
  logger: Logger,
  now: () => Date = () => new Date(),
  onStep: (result: PromiseStepResult) => void = () => undefined,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    let work: DueWork;
    try {
      work = parseDueWorkMessage(record.body);
    } catch (error) {
      if (error instanceof UnreadablePromiseMessageError) {
        logger.error('unreadable due-promise message', {
          sqsMessageId: record.messageId,
          reason: error.message,
        });
      }
      throw error;
    }
    const { conversationId } = work;
    let result: Awaited<ReturnType<typeof runPromiseStep>>;
    try {
      result = await runWork(await deps(), work, now());
    } catch (error) {
      if (!(error instanceof PermanentFailureError)) throw error;
      logger.error('promise step failed for good', {
        sqsMessageId: record.messageId,
        conversationId,
        reason: error.reason,
        error: error.message,
      });
      return;
    }
    const details = { sqsMessageId: record.messageId, ...result };
    if (result.step === 'failed') logger.error('promise step failed', details);
    else logger.info('promise step', details);
    onStep(result);
  };
  return sqsBatchHandler(handleRecord);
}

/** Carries out one piece of due work at `now`. */
async function runWork(deps: SweepDeps, work: DueWork, now: Date): Promise<PromiseStepResult> {
  if (work.kind === 'promise-step') return runPromiseStep(deps, work.conversationId, now);
  const reminded = await remindConsultQuestion(
    { store: deps.store, sender: deps.sender, now: () => now, config: deps.config },
    work,
    now,
  );
  return {
    conversationId: work.conversationId,
    step: reminded ? 'consult-reminder' : 'none',
    detail: reminded
      ? `owner reminded of the question to ${work.colleague}`
      : `no reminder due for the question to ${work.colleague}`,
  };
}
