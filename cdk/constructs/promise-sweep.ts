import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { promiseKeys } from '../../lib/adapters/dynamodb/item-keys.js';
import { DUE_INDEX_NAME, GSI1_NAME, PARTITION_KEY } from '../../lib/adapters/dynamodb/table-schema.js';
import { PROMISE_STEP_METRICS_SERVICE } from '../../lib/handlers/inbound-metrics.js';
import type { MailSending } from './mail-sending.js';
import { queueWithDeadLetter } from './queue-with-dead-letter.js';
import type { ReplyTokenSecret } from './reply-token-secret.js';
import { SpocFunction } from './spoc-function.js';
import type { SupportTable } from './support-table.js';

/** How often the scheduler reads the due index: a nudge or handover is at most this late. */
export const PROMISE_SCHEDULE_RATE = Duration.minutes(1);
/** A run reads a few dozen buckets and enqueues; it ends well before the next run starts. */
export const PROMISE_SCHEDULE_FUNCTION_TIMEOUT = Duration.seconds(50);
/** One step reads a conversation and sends at most a handover, an owner notice and a lead mail. */
export const PROMISE_STEP_FUNCTION_TIMEOUT = Duration.minutes(1);
/** Records per invocation of the step function; failures are reported per record. */
export const PROMISE_STEP_BATCH_SIZE = 5;
/** Concurrent step invocations at most (the least SQS event sources allow), to spare the SES rate. */
export const PROMISE_STEP_MAX_CONCURRENCY = 2;
/** Receives before a due-promise message moves to the DLQ: as for received mail. */
export const PROMISE_STEP_MAX_RECEIVE_COUNT = 5;

export const PROMISE_SCHEDULE_SERVICE_NAME = 'spoc-promise-schedule';
export const PROMISE_STEP_SERVICE_NAME = PROMISE_STEP_METRICS_SERVICE;

export interface PromiseSweepProps {
  /** The scheduler's environment contract (`promiseScheduleEnvSchema`) but the queue URL and AWS_REGION. */
  scheduleEnvironment: Record<string, string>;
  /** The step function's environment contract (`promiseStepEnvSchema`) but AWS_REGION. */
  stepEnvironment: Record<string, string>;
  /** At least the step function's timeout; AWS recommends six times it for Lambda consumers. */
  queueVisibilityTimeout: Duration;
  table: SupportTable;
  secret: ReplyTokenSecret;
  sending: MailSending;
  /** SES identities the step function may send from. */
  identityArns: readonly string[];
}

/**
 * The response-promise sweep in AWS: an EventBridge rule runs `lambdas/promise-schedule.ts` every
 * minute, which queries the due index (never a scan) up to now and enqueues one message per due
 * conversation; `lambdas/promise-step.ts` consumes the queue and carries out each conversation's step.
 * The queue retries a failed step and parks it in its DLQ after {@link PROMISE_STEP_MAX_RECEIVE_COUNT}
 * receives.
 */
export class PromiseSweep extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly scheduler: SpocFunction;
  readonly worker: SpocFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: PromiseSweepProps) {
    super(scope, id);

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = queueWithDeadLetter(this, {
      visibilityTimeout: props.queueVisibilityTimeout,
      maxReceiveCount: PROMISE_STEP_MAX_RECEIVE_COUNT,
    }));

    this.scheduler = new SpocFunction(this, 'Scheduler', {
      entry: 'lambdas/promise-schedule.ts',
      description: 'spoc-inbox: every minute, enqueues the conversations whose response promise is due',
      serviceName: PROMISE_SCHEDULE_SERVICE_NAME,
      memorySize: 256,
      timeout: PROMISE_SCHEDULE_FUNCTION_TIMEOUT,
      environment: { ...props.scheduleEnvironment, PROMISE_QUEUE_URL: this.queue.queueUrl },
    });
    grantScheduleAccess(this.scheduler.role, props.table, this.queue);
    // A failed run is not retried: the next run a minute later reads the same entries again.
    this.scheduler.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'spoc-inbox: runs the response-promise scheduler',
      schedule: events.Schedule.rate(PROMISE_SCHEDULE_RATE),
      targets: [new targets.LambdaFunction(this.scheduler.function, { retryAttempts: 0 })],
    });

    this.worker = new SpocFunction(this, 'Worker', {
      entry: 'lambdas/promise-step.ts',
      description: 'spoc-inbox: nudges, hands over or tells the lead for one due response promise',
      serviceName: PROMISE_STEP_SERVICE_NAME,
      memorySize: 512,
      timeout: PROMISE_STEP_FUNCTION_TIMEOUT,
      environment: props.stepEnvironment,
    });
    const role = this.worker.role;
    props.table.grantData(role);
    props.secret.grantReadValue(role);
    props.sending.grantSend(role, props.identityArns);
    this.worker.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: PROMISE_STEP_BATCH_SIZE,
        maxConcurrency: PROMISE_STEP_MAX_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );
  }
}

/**
 * The scheduler reads the due index and the consult reminders' day buckets in `gsi1` (Query on those
 * two indexes only), reads and moves the sweep cursor
 * (GetItem and PutItem on the cursor item only, by its partition key) and sends to the step queue.
 */
function grantScheduleAccess(role: iam.Role, table: SupportTable, queue: sqs.Queue): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'QueryDueIndexes',
      actions: ['dynamodb:Query'],
      resources: [
        `${table.table.tableArn}/index/${DUE_INDEX_NAME}`,
        `${table.table.tableArn}/index/${GSI1_NAME}`,
      ],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'SweepCursor',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resources: [table.table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [promiseKeys.sweepCursor()[PARTITION_KEY]] },
      },
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'EnqueueDuePromises',
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
    }),
  );
}
