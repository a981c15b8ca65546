import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isServiceError } from '../adapters/aws-errors.js';
import { SendThrottledError } from '../adapters/ses/ses-mail-sender.js';
import { LeaseHeldError, SendNotTakenError } from '../domain/errors.js';
import type { InboundOutcome } from '../domain/types.js';
import { sqsBodyWithSesNotificationSchema, toInboundNotice } from '../events/ses-received-notification.js';
import type { MessageVisibility } from '../ports/message-queue.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import { noteTransientFailure, processInboundMail } from '../use-cases/process-inbound-mail.js';
import { sqsBatchHandler } from './sqs-batch-handler.js';

/** A queue record that is not an SES receipt notification; it fails so the queue moves it to the DLQ. */
export class UnreadableNotificationError extends Error {
  override readonly name = 'UnreadableNotificationError';
}

/** Delay before a throttled send's first retry; doubled per receive, capped at {@link THROTTLED_MAX_DELAY_SECONDS}. */
export const THROTTLED_BASE_DELAY_SECONDS = 10;
export const THROTTLED_MAX_DELAY_SECONDS = 300;

/**
 * Whether an attempt failed on a service (an AWS answer or a cut connection, another attempt holding the
 * mail, a send that was not taken) rather than on the mail itself: such attempts are retried without
 * counting towards the repeated-failure hold, which is for mail that breaks its function.
 */
export function failedOnService(error: unknown): boolean {
  return error instanceof LeaseHeldError || error instanceof SendNotTakenError || isServiceError(error);
}

/**
 * Seconds a record whose send SES throttled stays hidden before its next try: short, doubling with each
 * receive, and jittered over its upper half so that the records of one throttled burst do not all come
 * back in the same second. `random` is in [0, 1).
 */
export function throttledRetryDelaySeconds(receiveCount: number, random: number): number {
  const count = Number.isFinite(receiveCount) ? receiveCount : 1;
  const exponent = Math.max(0, Math.min(16, count - 1));
  const ceiling = Math.min(THROTTLED_MAX_DELAY_SECONDS, THROTTLED_BASE_DELAY_SECONDS * 2 ** exponent);
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

/** The {@link SendThrottledError} behind `error`, through causes and aggregated errors. */
function throttledSend(error: unknown, depth = 0): SendThrottledError | undefined {
  if (error instanceof SendThrottledError) return error;
  if (depth > 5 || !(error instanceof Error)) return undefined;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = throttledSend(inner, depth + 1);
      if (found) return found;
    }
  }
  return throttledSend(error.cause, depth + 1);
}

/** What the handler does with a record whose send SES throttled. */
export interface ThrottleHandling {
  /** Returns the record to its queue early. */
  visibility: MessageVisibility;
  /** Jitter source, [0, 1); default `Math.random`. */
  random?: () => number;
  /** Called once per throttled record (the Lambda publishes a metric an alarm watches). */
  onThrottled?: () => void;
}

/**
 * The inbound function's body: each SQS record (SNS-wrapped SES "Received" notification) runs through
 * the inbound use case; failed records are reported so only they are retried.
 */
export function createInboundBatchHandler(
  deps: () => Promise<InboundDeps>,
  logger: Logger,
  /** Called with each newly recorded outcome (not duplicates): the Lambda publishes figures from it. */
  onOutcome?: (outcome: InboundOutcome) => void,
  /**
   * When given, a record whose send SES throttled comes back after a short jittered delay instead of
   * after the queue's visibility timeout; it still fails, so it stays on the queue.
   */
  throttling?: ThrottleHandling,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const returnThrottled = async (record: SQSRecord, error: SendThrottledError): Promise<void> => {
    if (!throttling) return;
    throttling.onThrottled?.();
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1;
    const seconds = throttledRetryDelaySeconds(receiveCount, (throttling.random ?? Math.random)());
    logger.warn('send throttled; record returns to the queue early', {
      sqsMessageId: record.messageId,
      providerCode: error.providerCode,
      receiveCount,
      retryInSeconds: seconds,
    });
    await throttling.visibility
      .returnAfter({ queueArn: record.eventSourceARN, receiptHandle: record.receiptHandle }, seconds)
      // Failing to shorten the wait only means waiting out the visibility timeout, as before.
      .catch((cause: unknown) =>
        logger.error('could not return the throttled record early', {
          sqsMessageId: record.messageId,
          cause,
        }),
      );
  };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const parsed = sqsBodyWithSesNotificationSchema.safeParse(record.body);
    if (!parsed.success) {
      logger.error('unreadable notification', {
        sqsMessageId: record.messageId,
        issues: parsed.error.issues,
      });
      const issues = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
      throw new UnreadableNotificationError(
        `record ${record.messageId} is not an SES receipt notification: ${issues.join('; ')}`,
        { cause: parsed.error },
      );
    }
    const notice = toInboundNotice(parsed.data.Message);
    // SQS counts every receive, also those of an invocation that crashed or timed out before recording.
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount) || 1;
    let processed: Awaited<ReturnType<typeof processInboundMail>>;
    try {
      processed = await processInboundMail(await deps(), notice, receiveCount);
    } catch (error) {
      if (failedOnService(error)) await noteTransientFailure(await deps(), notice);
      const throttled = throttledSend(error);
      if (throttled) await returnThrottled(record, throttled);
      throw error;
    }
    const { outcome, duplicate } = processed;
    logger.info('inbound processed', { inboundId: notice.inboundId, duplicate, ...outcome });
    if (!duplicate) onOutcome?.(outcome);
  };
  return sqsBatchHandler(handleRecord);
}
