import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { INBOUND_FUNCTION_TIMEOUT } from '../../cdk/constructs/inbound-function.js';
import { SEND_LEASE_MS } from '../../lib/delivery/deliver-mail.js';
import { arnOf, logicalIdOf, templateOf, withDeploy } from './support/stack-fixture.js';

/** The condition admitting SES for the stack's one receipt rule (`SpocInbox-inbound`) in `ruleSet`. */
function ruleCondition(ruleSet: unknown): unknown {
  return {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: {
      'aws:SourceArn': {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':ses:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ...(typeof ruleSet === 'string'
              ? [`:receipt-rule-set/${ruleSet}:receipt-rule/SpocInbox-inbound`]
              : [':receipt-rule-set/', ruleSet, ':receipt-rule/SpocInbox-inbound']),
          ],
        ],
      },
    },
  };
}

describe('mail ingest', () => {
  const { template, stack } = templateOf();
  const rawBucketId = logicalIdOf(stack.ingest.rawMailBucket);
  const logsBucketId = logicalIdOf(stack.ingest.accessLogsBucket);
  const topicId = logicalIdOf(stack.ingest.topic);
  const queueId = logicalIdOf(stack.ingest.queues.queue);
  const dlqId = logicalIdOf(stack.ingest.queues.deadLetterQueue);
  const sesRuleCondition = ruleCondition({ Ref: logicalIdOf(stack.ingest.ruleSet as never) });

  it('keeps raw mail encrypted, private, for the configured number of days, with access logs', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ Id: 'expire-raw-mail', ExpirationInDays: 90, Status: 'Enabled' })],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsBucketId }, LogFilePrefix: 'raw-mail/' },
    });
    expect(template.findResources('AWS::S3::Bucket')[rawBucketId]?.DeletionPolicy).toBe(
      'RetainExceptOnCreate',
    );
  });

  it('takes the retention from config', () => {
    const { template: other } = templateOf({ config: withDeploy({ rawMailRetentionDays: 30 }) });
    other.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'expire-raw-mail', ExpirationInDays: 30 })] },
    });
  });

  it('moves raw mail over the configured size to Glacier Instant Retrieval after the configured days', () => {
    const { template: kept } = templateOf({ config: withDeploy({ rawMailRetentionDays: 365 }) });
    kept.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'archive-large-raw-mail',
            Status: 'Enabled',
            ObjectSizeGreaterThan: 256 * 1024,
            Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
          }),
        ]),
      },
    });
    const { template: custom } = templateOf({
      config: withDeploy({
        rawMailRetentionDays: 365,
        rawMailArchiveAfterDays: 60,
        rawMailArchiveMinBytes: 0,
      }),
    });
    custom.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'archive-large-raw-mail',
            Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 60 }],
          }),
        ]),
      },
    });
  });

  it('moves no raw mail when asked not to, or when it would expire within the 90 days S3 bills there', () => {
    const rulesOf = (deploy: Parameters<typeof withDeploy>[0]) => {
      const { template: t, stack: s } = templateOf({ config: withDeploy(deploy) });
      const bucket = t.findResources('AWS::S3::Bucket')[logicalIdOf(s.ingest.rawMailBucket)];
      const rules = (bucket?.Properties.LifecycleConfiguration.Rules ?? []) as Array<{ Id: string }>;
      return rules.map((r) => r.Id);
    };
    expect(rulesOf({ rawMailRetentionDays: 365, rawMailArchiveAfterDays: 0 })).toEqual(['expire-raw-mail']);
    expect(rulesOf({ rawMailRetentionDays: 90 })).toEqual(['expire-raw-mail']);
    expect(rulesOf({ rawMailRetentionDays: 120 })).toEqual(['expire-raw-mail', 'archive-large-raw-mail']);
  });

  it('refuses plain HTTP on both buckets and lets SES write inbound/ only, for this receipt rule', () => {
    for (const bucketId of [rawBucketId, logsBucketId]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: rawBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowSesReceiptRuleWrite',
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [arnOf(rawBucketId), '/inbound/*']] },
            Condition: sesRuleCondition,
          },
        ]),
      },
    });
  });

  it('has one rule for the support address and the reply domain: scan, TLS, S3 then stop', () => {
    template.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
    template.resourceCountIs('AWS::SES::ReceiptRule', 1);
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: { Ref: logicalIdOf(stack.ingest.ruleSet as never) },
      Rule: {
        Name: 'SpocInbox-inbound',
        Enabled: true,
        Recipients: ['help@support.example.org', 'reply.example.org'],
        ScanEnabled: true,
        TlsPolicy: 'Require',
        Actions: [
          {
            S3Action: {
              BucketName: { Ref: rawBucketId },
              ObjectKeyPrefix: 'inbound/',
              TopicArn: { Ref: topicId },
            },
          },
          { StopAction: { Scope: 'RuleSet' } },
        ],
      },
    });
  });

  it('accepts mail without TLS when requireTls is false', () => {
    const { template: other } = templateOf({ config: withDeploy({ requireTls: false }) });
    other.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({ TlsPolicy: 'Optional' }),
    });
  });

  it('creates the rule only after SES may write the bucket and publish to the topic', () => {
    const rule = Object.values(template.findResources('AWS::SES::ReceiptRule'))[0];
    expect(rule?.DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^IngestRawMailBucketPolicy/), topicId]),
    );
  });

  it('publishes to an encrypted, TLS-only topic that SES may publish to for this receipt rule only', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: {
        'Fn::GetAtt': [
          logicalIdOf(stack.node.findChild('NotificationKey').node.findChild('Key') as never),
          'Arn',
        ],
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: sesRuleCondition,
          }),
        ]),
      },
    });
  });

  it('feeds an SSE, TLS-only queue with a dead-letter queue from the topic, SNS envelope kept', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: { Ref: topicId },
      Endpoint: arnOf(queueId),
      RawMessageDelivery: Match.absent(),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 720,
      RedrivePolicy: { deadLetterTargetArn: arnOf(dlqId), maxReceiveCount: 5 },
    });
    // A message's lease outlives the function's timeout and runs out before the queue redelivers, so a
    // timed-out attempt never blocks its own retry and never overlaps it.
    expect(INBOUND_FUNCTION_TIMEOUT.toSeconds()).toBeLessThan(SEND_LEASE_MS / 1000);
    expect(SEND_LEASE_MS / 1000).toBeLessThan(720);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('activates its rule set through a custom resource, after the rule exists', () => {
    const activation = template.findResources('Custom::SesActiveReceiptRuleSet');
    const [resource] = Object.values(activation);
    expect(Object.keys(activation)).toHaveLength(1);
    expect(resource?.Properties).toMatchObject({
      ServiceToken: arnOf(logicalIdOf(stack.ingest.activation?.handler.function as never)),
      RuleSetName: { Ref: logicalIdOf(stack.ingest.ruleSet as never) },
      ServiceTimeout: '300',
    });
    expect(resource?.DependsOn).toEqual(
      expect.arrayContaining([
        logicalIdOf(stack.ingest.receiptRule),
        expect.stringMatching(/^IngestActivationHandlerRoleDefaultPolicy/),
      ]),
    );
  });

  it('adds its rule to an existing rule set instead, without activating anything', () => {
    const { template: other } = templateOf({
      config: withDeploy({ existingRuleSetName: 'company-inbound' }),
    });
    other.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
    other.resourceCountIs('Custom::SesActiveReceiptRuleSet', 0);
    other.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: 'company-inbound',
      Rule: Match.objectLike({ Recipients: ['help@support.example.org', 'reply.example.org'] }),
    });
    other.hasOutput('ReceiptRuleSetName', { Value: 'company-inbound' });
    // The grants name this stack's rule in the shared rule set.
    other.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AllowSesReceiptRuleWrite', Condition: ruleCondition('company-inbound') }),
        ]),
      },
    });
  });
});
