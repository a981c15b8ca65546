import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INBOUND_PREFIX } from './mail-ingest.js';
import { SES_SEND_ACTIONS } from './mail-sending.js';
import type { ReplyTokenSecret } from './reply-token-secret.js';
import { type SupportTable, TABLE_DATA_ACTIONS } from './support-table.js';

export interface OperatorPolicyProps {
  table: SupportTable;
  rawMailBucket: s3.IBucket;
  secret: ReplyTokenSecret;
  /** SES identities the CLI sends from (handoffs, digests), and the configuration set ARN. */
  sendResources: readonly string[];
  /** The inbound dead-letter queue `spoc replay --queue-url` drains. */
  inboundDeadLetterQueue: sqs.IQueue;
}

/**
 * A managed policy holding what the `spoc` CLI does against the stack, and nothing more: item reads,
 * writes and scans of the table (listings, statistics, data requests); reading, listing and deleting
 * (data requests) raw mail under `inbound/`; the reply-token key; sending from the support identities
 * (handoff and digest mail); draining the inbound dead-letter queue. Attach it to an operator's role.
 */
export class OperatorPolicy extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorPolicyProps) {
    super(scope, id);
    const bucket = props.rawMailBucket;

    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'spoc-inbox: what the spoc CLI needs against this stack',
      statements: [
        props.table.dataStatement(TABLE_DATA_ACTIONS),
        new iam.PolicyStatement({
          sid: 'RawMailReadAndForget',
          actions: ['s3:GetObject', 's3:DeleteObject'],
          resources: [bucket.arnForObjects(`${INBOUND_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'RawMailList',
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${INBOUND_PREFIX}*`] } },
        }),
        new iam.PolicyStatement({
          sid: 'ReplyTokenSecretRead',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [props.secret.secret.secretArn],
        }),
        new iam.PolicyStatement({
          sid: 'SendFromSupportIdentities',
          actions: [...SES_SEND_ACTIONS],
          resources: [...props.sendResources],
        }),
        new iam.PolicyStatement({
          sid: 'ReplayInboundDeadLetters',
          actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
          resources: [props.inboundDeadLetterQueue.queueArn],
        }),
      ],
    });

    const bucketLogicalId = Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${INBOUND_PREFIX}*]`,
      reason:
        'Raw mail keys are SES message ids; the wildcard is confined to the inbound/ prefix of the one raw ' +
        'mail bucket, for reading, and deleting on a data-protection request.',
    });
  }
}
