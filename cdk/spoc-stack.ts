import { CfnOutput, Duration, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { SpocConfig } from '../lib/config/config-schema.js';
import {
  type CoreLambdaEnv,
  functionConfigJson,
  type LambdaEnv,
  type PromiseScheduleEnv,
  type PromiseStepEnv,
} from '../lib/config/lambda-env.js';
import { Alarms } from './constructs/alarms.js';
import { DELIVERY_EVENTS_FUNCTION_TIMEOUT, DeliveryEventsFunction } from './constructs/delivery-events.js';
import {
  INBOUND_FUNCTION_TIMEOUT,
  INBOUND_SERVICE_NAME,
  InboundFunction,
} from './constructs/inbound-function.js';
import { identityArn, MailDomains } from './constructs/mail-domains.js';
import { MailIngest } from './constructs/mail-ingest.js';
import { MailSending } from './constructs/mail-sending.js';
import { NotificationKey } from './constructs/notification-key.js';
import { OperatorPolicy } from './constructs/operator-policy.js';
import { PROMISE_STEP_FUNCTION_TIMEOUT, PromiseSweep } from './constructs/promise-sweep.js';
import { ReplyTokenSecret } from './constructs/reply-token-secret.js';
import { SupportTable } from './constructs/support-table.js';

/** AWS's advice for an SQS-triggered function: a visibility timeout of six times the function timeout. */
function visibilityTimeoutFor(functionTimeout: Duration): Duration {
  return Duration.seconds(functionTimeout.toSeconds() * 6);
}

export interface HostedZoneReference {
  hostedZoneId: string;
  zoneName: string;
}

export interface SpocStackProps extends StackProps {
  /** The validated product configuration (the same file local mode reads). */
  config: SpocConfig;
  /** Write the DKIM and MX records of the domains inside this public zone to Route 53. */
  hostedZone?: HostedZoneReference;
  /** Create the SES domain identities; false when they already exist in the account. Default true. */
  manageSesIdentities?: boolean;
  /**
   * Verified addresses the functions may also send to. In the SES sandbox, SES authorizes a send against
   * each recipient's identity too; leave empty once the account has production access.
   */
  sandboxRecipients?: readonly string[];
}

/** Domain part of an email address (the config schema has already validated and lower-cased it). */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** The whole deployment: one stack wired from one construct per concern. */
export class SpocStack extends Stack {
  readonly ingest: MailIngest;
  readonly store: SupportTable;
  readonly sending: MailSending;
  readonly domains: MailDomains;
  readonly replyTokenSecret: ReplyTokenSecret;
  readonly inbound: InboundFunction;
  readonly deliveryEvents: DeliveryEventsFunction;
  readonly promiseSweep: PromiseSweep;
  readonly alarms: Alarms;
  readonly operatorPolicy: OperatorPolicy;

  constructor(scope: Construct, id: string, props: SpocStackProps) {
    super(scope, id, {
      description: 'spoc-inbox: support inbox on SES, Lambda and DynamoDB',
      ...props,
    });
    const { config } = props;
    const deploy = config.deploy;
    Tags.of(this).add('app', 'spoc-inbox');

    const notificationKey = new NotificationKey(this, 'NotificationKey');
    this.store = new SupportTable(this, 'Store', { deletionProtection: deploy.deletionProtection });
    this.replyTokenSecret = new ReplyTokenSecret(this, 'ReplyTokenSecret');

    this.ingest = new MailIngest(this, 'Ingest', {
      supportAddress: config.supportAddress,
      replyDomain: config.replyDomain,
      rawMailRetentionDays: deploy.rawMailRetentionDays,
      rawMailArchive: { afterDays: deploy.rawMailArchiveAfterDays, minBytes: deploy.rawMailArchiveMinBytes },
      requireTls: deploy.requireTls,
      existingRuleSetName: deploy.existingRuleSetName,
      notificationKey,
      queueVisibilityTimeout: visibilityTimeoutFor(INBOUND_FUNCTION_TIMEOUT),
    });

    this.sending = new MailSending(this, 'Sending', {
      notificationKey,
      queueVisibilityTimeout: visibilityTimeoutFor(DELIVERY_EVENTS_FUNCTION_TIMEOUT),
    });

    this.domains = new MailDomains(this, 'Domains', {
      domains: [
        { label: 'Support', domain: domainOf(config.supportAddress) },
        { label: 'Reply', domain: config.replyDomain },
      ],
      configurationSet: this.sending.configurationSet,
      manageIdentities: props.manageSesIdentities ?? true,
      hostedZone:
        props.hostedZone === undefined
          ? undefined
          : route53.PublicHostedZone.fromHostedZoneAttributes(this, 'HostedZone', props.hostedZone),
    });

    const sendIdentityArns = [
      ...this.domains.identityArns,
      ...(props.sandboxRecipients ?? []).map((address) => identityArn(this, address)),
    ];

    // Each function gets what it reads and nothing more (no owners, no deploy settings).
    const coreEnvironment = {
      TABLE_NAME: this.store.table.tableName,
      SPOC_CONFIG_JSON: functionConfigJson(config),
      SES_CONFIGURATION_SET: this.sending.configurationSet.configurationSetName,
    } satisfies Omit<CoreLambdaEnv, 'AWS_REGION'>;
    const inboundEnvironment = {
      ...coreEnvironment,
      RAW_MAIL_BUCKET: this.ingest.rawMailBucket.bucketName,
      REPLY_TOKEN_SECRET_ID: this.replyTokenSecret.secret.secretArn,
    } satisfies Omit<LambdaEnv, 'AWS_REGION'>;

    this.inbound = new InboundFunction(this, 'Inbound', {
      environment: inboundEnvironment,
      memorySize: deploy.inboundMemoryMb,
      batchSize: deploy.inboundBatchSize,
      maxConcurrency: deploy.inboundMaxConcurrency,
      ingest: this.ingest,
      table: this.store,
      secret: this.replyTokenSecret,
      sending: this.sending,
      identityArns: sendIdentityArns,
    });

    this.deliveryEvents = new DeliveryEventsFunction(this, 'DeliveryEvents', {
      environment: coreEnvironment,
      table: this.store,
      sending: this.sending,
      identityArns: sendIdentityArns,
    });

    this.promiseSweep = new PromiseSweep(this, 'PromiseSweep', {
      scheduleEnvironment: {
        TABLE_NAME: this.store.table.tableName,
      } satisfies Omit<PromiseScheduleEnv, 'AWS_REGION' | 'PROMISE_QUEUE_URL'>,
      stepEnvironment: {
        ...coreEnvironment,
        REPLY_TOKEN_SECRET_ID: this.replyTokenSecret.secret.secretArn,
      } satisfies Omit<PromiseStepEnv, 'AWS_REGION'>,
      queueVisibilityTimeout: visibilityTimeoutFor(PROMISE_STEP_FUNCTION_TIMEOUT),
      table: this.store,
      secret: this.replyTokenSecret,
      sending: this.sending,
      identityArns: sendIdentityArns,
    });

    this.operatorPolicy = new OperatorPolicy(this, 'Operator', {
      table: this.store,
      rawMailBucket: this.ingest.rawMailBucket,
      secret: this.replyTokenSecret,
      sendResources: [...sendIdentityArns, this.sending.configurationSetArn],
      inboundDeadLetterQueue: this.ingest.queues.deadLetterQueue,
    });

    this.alarms = new Alarms(this, 'Alarms', {
      notificationKey,
      alarmEmail: deploy.alarmEmail,
      deadLetterQueues: [
        { label: 'Inbound', queue: this.ingest.queues.deadLetterQueue },
        { label: 'DeliveryEvents', queue: this.sending.queues.deadLetterQueue },
        { label: 'PromiseStep', queue: this.promiseSweep.deadLetterQueue },
      ],
      functions: [
        { label: 'Inbound', function: this.inbound.handler.function },
        { label: 'DeliveryEvents', function: this.deliveryEvents.handler.function },
        { label: 'PromiseSchedule', function: this.promiseSweep.scheduler.function },
        { label: 'PromiseStep', function: this.promiseSweep.worker.function },
      ],
      inboundQueue: this.ingest.queues.queue,
      inboundService: INBOUND_SERVICE_NAME,
      noInboundMailAlarmHours: deploy.noInboundMailAlarmHours,
      sesDailySendingQuota: deploy.sesDailySendingQuota,
      brokenPromisesPerDay: config.promise.alarmThreshold,
    });

    this.addOutputs();
  }

  private addOutputs(): void {
    const outputs: Record<string, { value: string; description: string }> = {
      Region: { value: this.region, description: 'Region of the stack (AWS_REGION for the spoc CLI)' },
      TableName: {
        value: this.store.table.tableName,
        description: 'DynamoDB table (TABLE_NAME for the spoc CLI)',
      },
      RawMailBucketName: {
        value: this.ingest.rawMailBucket.bucketName,
        description: 'Raw MIME of every received mail, under inbound/<SES message id>',
      },
      ReceiptRuleSetName: {
        value: this.ingest.ruleSet.receiptRuleSetName,
        description: 'SES receipt rule set holding the support rule',
      },
      ConfigurationSetName: {
        value: this.sending.configurationSet.configurationSetName,
        description: 'SES configuration set of all sent mail',
      },
      ReplyTokenSecretArn: {
        value: this.replyTokenSecret.secret.secretArn,
        description: 'Secret holding the reply-token HMAC key',
      },
      InboundQueueUrl: { value: this.ingest.queues.queue.queueUrl, description: 'Queue of received mail' },
      InboundDeadLetterQueueUrl: {
        value: this.ingest.queues.deadLetterQueue.queueUrl,
        description: 'Received mail that failed every retry',
      },
      InboundDeadLetterQueueArn: {
        value: this.ingest.queues.deadLetterQueue.queueArn,
        description: 'Source ARN for redriving received mail (aws sqs start-message-move-task)',
      },
      DeliveryEventsDeadLetterQueueUrl: {
        value: this.sending.queues.deadLetterQueue.queueUrl,
        description: 'Bounce and complaint events that failed every retry',
      },
      DeliveryEventsDeadLetterQueueArn: {
        value: this.sending.queues.deadLetterQueue.queueArn,
        description: 'Source ARN for redriving delivery events (aws sqs start-message-move-task)',
      },
      InboundFunctionName: {
        value: this.inbound.handler.function.functionName,
        description: 'Inbound function (its logs are in InboundLogGroupName)',
      },
      InboundLogGroupName: {
        value: this.inbound.handler.logGroup.logGroupName,
        description: 'Log group of the inbound function',
      },
      PromiseStepDeadLetterQueueUrl: {
        value: this.promiseSweep.deadLetterQueue.queueUrl,
        description: 'Due response promises whose step failed every retry',
      },
      DeliveryEventsLogGroupName: {
        value: this.deliveryEvents.handler.logGroup.logGroupName,
        description: 'Log group of the delivery-events function',
      },
      AlarmTopicArn: { value: this.alarms.topic.topicArn, description: 'SNS topic every alarm notifies' },
      OperatorPolicyArn: {
        value: this.operatorPolicy.policy.managedPolicyArn,
        description: 'Managed policy with what the spoc CLI needs; attach it to the operator role',
      },
    };
    for (const [id, { value, description }] of Object.entries(outputs)) {
      new CfnOutput(this, id, { value, description });
    }
  }
}
