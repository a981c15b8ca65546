import { Duration } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface QueueWithDeadLetterProps {
  /** The topic whose notifications fill the queue; the SNS envelope is kept (no raw delivery). */
  topic: sns.ITopic;
  /** At least the consuming function's timeout; AWS recommends six times it for Lambda consumers. */
  visibilityTimeout: Duration;
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount?: number;
}

/** A queue and its dead-letter queue, made in `scope` as `Queue` and `DeadLetterQueue`. */
export interface QueuePair {
  queue: sqs.Queue;
  deadLetterQueue: sqs.Queue;
}

/**
 * An SQS queue with a dead-letter queue, both SSE-SQS encrypted and TLS only, made directly in `scope`
 * (their ids, and so their logical ids, are the scope's `Queue` and `DeadLetterQueue`).
 */
export function queueWithDeadLetter(
  scope: Construct,
  props: Pick<QueueWithDeadLetterProps, 'visibilityTimeout' | 'maxReceiveCount'>,
): QueuePair {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    retentionPeriod: Duration.days(14),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  const queue = new sqs.Queue(scope, 'Queue', {
    visibilityTimeout: props.visibilityTimeout,
    retentionPeriod: Duration.days(4),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
  });
  return { queue, deadLetterQueue };
}

/** An SQS queue fed by an SNS topic, with a dead-letter queue (see {@link queueWithDeadLetter}). */
export class QueueWithDeadLetter extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueueWithDeadLetterProps) {
    super(scope, id);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = queueWithDeadLetter(this, props));
    props.topic.addSubscription(new subscriptions.SqsSubscription(this.queue));
  }
}
