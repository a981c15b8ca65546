import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { INBOUND_NODE_MODULES } from '../function-bundling.js';
import { INBOUND_PREFIX, type MailIngest } from './mail-ingest.js';
import type { MailSending } from './mail-sending.js';
import type { ReplyTokenSecret } from './reply-token-secret.js';
import { SpocFunction } from './spoc-function.js';
import type { SupportTable } from './support-table.js';

/** Long enough to fetch, parse and relay a 40 MB message a few times over. */
export const INBOUND_FUNCTION_TIMEOUT = Duration.minutes(2);
/**
 * Messages per invocation when `deploy.inboundBatchSize` is not set; failures are reported per message
 * (partial batch response).
 */
export const INBOUND_BATCH_SIZE = 5;
/**
 * Concurrent invocations at most when `deploy.inboundMaxConcurrency` is not set, which keeps the SES send
 * rate and racing first messages in check.
 */
export const INBOUND_MAX_CONCURRENCY = 5;

/** Powertools service name of the inbound function: the `service` dimension of its metrics. */
export const INBOUND_SERVICE_NAME = 'spoc-inbound';

export interface InboundFunctionProps {
  /** The Lambda environment contract (`lib/config/lambda-env.ts`), minus AWS_REGION which Lambda sets. */
  environment: Record<string, string>;
  memorySize: number;
  /** Messages per invocation (`deploy.inboundBatchSize`); default {@link INBOUND_BATCH_SIZE}. */
  batchSize?: number;
  /** Invocations at most (`deploy.inboundMaxConcurrency`); default {@link INBOUND_MAX_CONCURRENCY}. */
  maxConcurrency?: number;
  ingest: MailIngest;
  table: SupportTable;
  secret: ReplyTokenSecret;
  sending: MailSending;
  /** SES identities the function may send from. */
  identityArns: readonly string[];
}

/**
 * `lambdas/inbound.ts` on the inbound queue: reads `inbound/*` of the raw mail bucket (nothing else in
 * it), reads and writes the table, reads the reply-token key, sends from the configured identities;
 * consumes the inbound queue, returning a record whose send SES throttled early
 * (`sqs:ChangeMessageVisibility`, part of consuming, on that queue only).
 */
export class InboundFunction extends Construct {
  readonly handler: SpocFunction;

  constructor(scope: Construct, id: string, props: InboundFunctionProps) {
    super(scope, id);
    const maxConcurrency = props.maxConcurrency ?? INBOUND_MAX_CONCURRENCY;

    this.handler = new SpocFunction(this, 'Handler', {
      entry: 'lambdas/inbound.ts',
      description: 'spoc-inbox: routes each received mail (SES notification via SQS)',
      serviceName: INBOUND_SERVICE_NAME,
      memorySize: props.memorySize,
      timeout: INBOUND_FUNCTION_TIMEOUT,
      environment: props.environment,
      nodeModules: [...INBOUND_NODE_MODULES],
      // As many as the event source may run: the two limits agree, so the event source is never
      // throttled by Lambda (which would count receives) and nothing else can take the slots.
      reservedConcurrentExecutions: maxConcurrency,
    });
    const role = this.handler.role;

    grantReadInboundMail(role, props.ingest.rawMailBucket);
    props.table.grantData(role);
    props.secret.grantReadValue(role);
    props.sending.grantSend(role, props.identityArns);

    this.handler.function.addEventSource(
      new SqsEventSource(props.ingest.queues.queue, {
        batchSize: props.batchSize ?? INBOUND_BATCH_SIZE,
        maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}

/**
 * `s3:GetObject` on `inbound/*` of the bucket, and listing confined to that prefix: no other prefix, no
 * writes. Listing is what makes S3 answer 404 rather than 403 for a raw object that is gone, so such a
 * message ends in a recorded `raw-mail-missing` outcome instead of retrying into the DLQ.
 */
function grantReadInboundMail(role: iam.Role, bucket: s3.Bucket): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadInboundRawMail',
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(`${INBOUND_PREFIX}*`)],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ListInboundRawMail',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${INBOUND_PREFIX}*`] } },
    }),
  );
  const bucketLogicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (policy !== undefined) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${INBOUND_PREFIX}*]`,
      reason:
        'Object keys are the SES message ids of mail not yet received; the wildcard is confined to the ' +
        'inbound/ prefix of the one raw mail bucket, with s3:GetObject only.',
    });
  }
}
