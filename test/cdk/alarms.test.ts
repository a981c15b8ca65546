import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { arnOf, logicalIdOf, templateOf, withDeploy } from './support/stack-fixture.js';

describe('alarms', () => {
  const { template, stack } = templateOf();
  const topicId = logicalIdOf(stack.alarms.topic);
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);

  it('alarms on any message in either dead-letter queue', () => {
    for (const queue of [stack.ingest.queues.deadLetterQueue, stack.sending.queues.deadLetterQueue]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(queue), 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        Statistic: 'Maximum',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('alarms on any error of either mail function', () => {
    for (const fn of [stack.inbound.handler.function, stack.deliveryEvents.handler.function]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(fn) } }],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        Statistic: 'Sum',
      });
    }
  });

  it('alarms when the SES bounce or complaint rate nears the level where SES reviews the account', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.025,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: Match.absent(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.0005,
    });
    expect(alarms).toHaveLength(18);
  });

  it('alarms when broken response promises in a day pass promise.alarmThreshold', () => {
    // Late answers and closes from the inbound function, escalations from the promise-step function.
    const stream = (id: string, service: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'SpocInbox',
          MetricName: 'PromisesBroken',
          Dimensions: [{ Name: 'service', Value: service }],
        },
        Period: 86_400,
        Stat: 'Sum',
      },
      ReturnData: false,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'SpocInbox-PromisesBroken',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(answered, 0) + FILL(escalated, 0)' }),
        stream('answered', 'spoc-inbound'),
        stream('escalated', 'spoc-promise-step'),
      ]),
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const { template: strict } = templateOf({
      config: { ...withDeploy({}), promise: { alarmThreshold: 2 } },
    });
    strict.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'SpocInbox-PromisesBroken',
      Threshold: 2,
    });
  });

  it('alarms when new senders are held by the hourly new-customer cap', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'SpocInbox',
      MetricName: 'NewCustomersHeld',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'service', Value: 'spoc-inbound' }],
    });
  });

  it('alarms when a customer mail finds no active owner', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'SpocInbox-NoActiveOwner',
      Namespace: 'SpocInbox',
      MetricName: 'MailWithoutActiveOwner',
      Dimensions: [{ Name: 'service', Value: 'spoc-inbound' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms when the oldest received mail has waited a quarter of an hour', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack.ingest.queues.queue), 'QueueName'] } },
      ],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 900,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on any failed or quarantined mail, from the counts the inbound function publishes', () => {
    for (const metricName of ['MailsFailed', 'MailsQuarantined']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'SpocInbox',
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: 'spoc-inbound' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms when no mail was processed for the configured hours, an idle queue counting as none', () => {
    const quiet = (hours: number) =>
      Object.values(
        templateOf({ config: withDeploy({ noInboundMailAlarmHours: hours }) }).template.findResources(
          'AWS::CloudWatch::Alarm',
        ),
      )
        .map((a) => a.Properties)
        .find((a) => a.AlarmName === 'SpocInbox-NoInboundMail');
    expect(alarms.find((a) => a.AlarmName === 'SpocInbox-NoInboundMail')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'NumberOfMessagesDeleted',
      Period: 3600,
      EvaluationPeriods: 24,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(quiet(6)).toMatchObject({ EvaluationPeriods: 6 });
  });

  it('alarms when SES throttles a send or the day nears the sending quota', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'SpocInbox',
      MetricName: 'SendsThrottled',
      Dimensions: [{ Name: 'service', Value: 'spoc-inbound' }],
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Send',
      Statistic: 'Sum',
      Period: 86400,
      Threshold: 40_000,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const { template: small } = templateOf({ config: withDeploy({ sesDailySendingQuota: 200 }) });
    small.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Send', Threshold: 160 });
  });

  it('names each alarm after the stack, as the deploy guide does', () => {
    expect(alarms.map((alarm) => alarm.AlarmName).sort()).toEqual([
      'SpocInbox-DeliveryEventsDeadLetters',
      'SpocInbox-DeliveryEventsErrors',
      'SpocInbox-InboundDeadLetters',
      'SpocInbox-InboundErrors',
      'SpocInbox-InboundMailsFailed',
      'SpocInbox-InboundMailsQuarantined',
      'SpocInbox-InboundQueueAge',
      'SpocInbox-NewCustomersHeld',
      'SpocInbox-NoActiveOwner',
      'SpocInbox-NoInboundMail',
      'SpocInbox-PromiseScheduleErrors',
      'SpocInbox-PromiseStepDeadLetters',
      'SpocInbox-PromiseStepErrors',
      'SpocInbox-PromisesBroken',
      'SpocInbox-SesBounceRate',
      'SpocInbox-SesComplaintRate',
      'SpocInbox-SesDailyQuota',
      'SpocInbox-SesSendThrottled',
    ]);
  });

  it('notifies one encrypted topic on alarm and on recovery', () => {
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
      expect(alarm.AlarmDescription).toEqual(expect.any(String));
    }
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'spoc-inbox alarms',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
  });

  it('lets CloudWatch and SES of this account use the topic key, with rotation on', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: ['cloudwatch.amazonaws.com', 'ses.amazonaws.com'] },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    const topics = Object.values(template.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(3);
    for (const topic of topics) {
      expect(topic.Properties.KmsMasterKeyId).toEqual(
        arnOf(logicalIdOf(stack.node.findChild('NotificationKey').node.findChild('Key') as never)),
      );
    }
  });

  it('subscribes the ops address only when one is configured', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: { Ref: topicId },
    });
    const { template: quiet } = templateOf({ config: withDeploy({ alarmEmail: undefined }) });
    expect(
      Object.values(quiet.findResources('AWS::SNS::Subscription')).map((s) => s.Properties.Protocol),
    ).toEqual(['sqs', 'sqs']);
  });
});
