import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as actions from 'aws-cdk-lib/aws-ses-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { allowServiceToPublish, type NotificationKey } from './notification-key.js';
import { QueueWithDeadLetter } from './queue-with-dead-letter.js';
import { RuleSetActivation } from './rule-set-activation.js';

/** SES writes each received message to `inbound/<SES message id>`. */
export const INBOUND_PREFIX = 'inbound/';

/** Name of the stack's receipt rule; unique per stack, so stacks can share an existing rule set. */
export function receiptRuleName(stackName: string): string {
  return `${stackName}-inbound`;
}

interface StoreRawMailProps {
  bucket: s3.Bucket;
  topic: sns.ITopic;
  /** The receipt rule running this action: the only one SES may write the bucket for. */
  ruleArn: string;
}

/**
 * SES's S3 action (write the message under `inbound/`, announce it on the topic), whose bucket grant
 * names the receipt rule (`aws:SourceArn`) as well as the account: CDK's own S3 action admits any
 * receipt rule of the account. SES checks the grant when the rule is created, hence the dependency.
 */
class StoreRawMail implements ses.IReceiptRuleAction {
  constructor(private readonly props: StoreRawMailProps) {}

  bind(rule: ses.IReceiptRule): ses.ReceiptRuleActionConfig {
    const { bucket, topic, ruleArn } = this.props;
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesReceiptRuleWrite',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`${INBOUND_PREFIX}*`)],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': ruleArn },
        },
      }),
    );
    if (bucket.policy !== undefined) rule.node.addDependency(bucket.policy);
    return {
      s3Action: { bucketName: bucket.bucketName, objectKeyPrefix: INBOUND_PREFIX, topicArn: topic.topicArn },
    };
  }
}

export interface MailIngestProps {
  /** The support address; the rule matches exactly this address. */
  supportAddress: string;
  /** The reply domain; the rule matches every address at it. */
  replyDomain: string;
  /** Days raw mail (and its access logs) are kept. */
  rawMailRetentionDays: number;
  /**
   * Raw mail larger than `minBytes` moves to S3 Glacier Instant Retrieval after `afterDays` (0: never).
   * Smaller mail stays in S3 Standard: Glacier Instant Retrieval bills an object as 128 KB at least, and
   * each move is a billed request. Absent: no move.
   */
  rawMailArchive?: { afterDays: number; minBytes: number };
  /** Reject mail not delivered over TLS. */
  requireTls: boolean;
  /** Add the rule to this already active rule set instead of creating and activating one. */
  existingRuleSetName?: string;
  notificationKey: NotificationKey;
  /** Visibility timeout of the inbound queue (a multiple of the inbound function's timeout). */
  queueVisibilityTimeout: Duration;
}

/**
 * Receiving: the raw mail bucket (and its access log bucket), the SES receipt rule that stores each
 * message under `inbound/` and announces it on an SNS topic, then stops, and the SQS queue (with its
 * dead-letter queue) the inbound function reads. Creates and activates a rule set, or adds the rule to an
 * existing active one.
 */
export class MailIngest extends Construct {
  readonly rawMailBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly topic: sns.Topic;
  readonly queues: QueueWithDeadLetter;
  readonly ruleSet: ses.IReceiptRuleSet;
  readonly receiptRule: ses.ReceiptRule;
  /** Present when the stack owns the rule set. */
  readonly activation?: RuleSetActivation;

  constructor(scope: Construct, id: string, props: MailIngestProps) {
    super(scope, id);
    const retention = Duration.days(props.rawMailRetentionDays);

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: retention }],
      // Kept when the stack or the bucket goes, but removed by the rollback of the deploy creating it.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.rawMailBucket = new s3.Bucket(this, 'RawMailBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'raw-mail/',
      lifecycleRules: [
        {
          id: 'expire-raw-mail',
          expiration: retention,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        ...archiveRules(props),
      ],
      // Kept when the stack or the bucket goes, but removed by the rollback of the deploy creating it.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    if (archiveRules(props).length > 0) {
      Validations.of(this.rawMailBucket).acknowledge({
        id: 'CloudFormation-Validate::W9003',
        reason:
          'The CDK writes the lifecycle rule ObjectSizeGreaterThan as a number where the CloudFormation ' +
          'schema names a string; CloudFormation takes the number as the same size.',
      });
    }

    this.ruleSet =
      props.existingRuleSetName === undefined
        ? new ses.ReceiptRuleSet(this, 'RuleSet')
        : ses.ReceiptRuleSet.fromReceiptRuleSetName(this, 'RuleSet', props.existingRuleSetName);
    // Named, so that the bucket and topic policies can admit SES for this one rule only.
    const ruleName = receiptRuleName(Stack.of(this).stackName);
    const ruleArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'receipt-rule-set',
      resourceName: `${this.ruleSet.receiptRuleSetName}:receipt-rule/${ruleName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.topic = props.notificationKey.createTopic(this, 'Topic', 'spoc-inbox inbound mail');
    allowServiceToPublish(this.topic, 'ses.amazonaws.com', ruleArn);

    this.queues = new QueueWithDeadLetter(this, 'Inbound', {
      topic: this.topic,
      visibilityTimeout: props.queueVisibilityTimeout,
    });

    this.receiptRule = new ses.ReceiptRule(this, 'Rule', {
      ruleSet: this.ruleSet,
      receiptRuleName: ruleName,
      recipients: [props.supportAddress, props.replyDomain],
      scanEnabled: true,
      tlsPolicy: props.requireTls ? ses.TlsPolicy.REQUIRE : ses.TlsPolicy.OPTIONAL,
      enabled: true,
      actions: [
        new StoreRawMail({ bucket: this.rawMailBucket, topic: this.topic, ruleArn }),
        // Every matching rule fires: end here so no later rule handles the same message again.
        new actions.Stop(),
      ],
    });
    // SES checks at creation that it may write the bucket and publish to the topic.
    this.receiptRule.node.addDependency(this.topic);

    if (props.existingRuleSetName === undefined) {
      this.activation = new RuleSetActivation(this, 'Activation', {
        ruleSetName: this.ruleSet.receiptRuleSetName,
      });
      this.activation.node.addDependency(this.receiptRule);
    }
  }
}

/**
 * The move of large raw mail to a cheaper storage class, when it comes before the mail expires (S3 keeps
 * Glacier Instant Retrieval objects 90 days at least, so a move within 90 days of expiry would cost more).
 */
function archiveRules(props: MailIngestProps): s3.LifecycleRule[] {
  const archive = props.rawMailArchive;
  if (!archive || archive.afterDays === 0 || archive.afterDays + 90 > props.rawMailRetentionDays) return [];
  return [
    {
      id: 'archive-large-raw-mail',
      objectSizeGreaterThan: archive.minBytes,
      transitions: [
        {
          storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
          transitionAfter: Duration.days(archive.afterDays),
        },
      ],
    },
  ];
}
