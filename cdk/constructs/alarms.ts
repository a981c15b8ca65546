import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  INBOUND_METRICS_SERVICE,
  METRICS_NAMESPACE,
  NO_ACTIVE_OWNER_METRIC,
} from '../../lib/handlers/inbound-metrics.js';
import { allowServiceToPublish, type NotificationKey } from './notification-key.js';

/**
 * SES puts an account under review at a 5% bounce rate and a 0.1% complaint rate (and pauses sending at
 * 10% and 0.5%). Alarm at half the review level to leave time to act.
 */
export const SES_BOUNCE_RATE_ALARM_THRESHOLD = 0.025;
export const SES_COMPLAINT_RATE_ALARM_THRESHOLD = 0.0005;

export interface AlarmsProps {
  notificationKey: NotificationKey;
  /** Subscribed to the alarm topic by email when given (the address must confirm the subscription). */
  alarmEmail?: string;
  deadLetterQueues: readonly { label: string; queue: sqs.IQueue }[];
  functions: readonly { label: string; function: lambda.IFunction }[];
}

/**
 * The alarms an operator needs: any message in a dead-letter queue, any function error, new senders held
 * by the hourly new-customer cap, and SES account bounce and complaint rates approaching SES's limits. All notify one encrypted SNS topic, which an ops
 * address can be subscribed to.
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    this.topic = props.notificationKey.createTopic(this, 'Topic', 'spoc-inbox alarms');
    allowServiceToPublish(this.topic, 'cloudwatch.amazonaws.com');
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    for (const { label, queue } of props.deadLetterQueues) {
      this.add(`${label}DeadLetters`, {
        alarmDescription: `Messages in the ${label} dead-letter queue: they failed every retry. See docs/deploy.md, "Dead letters and replay".`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }

    for (const { label, function: fn } of props.functions) {
      this.add(`${label}Errors`, {
        alarmDescription: `The ${label} function failed (crash, timeout or unhandled error) at least once in 5 minutes.`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }

    this.add('NewCustomersHeld', {
      alarmDescription: `More new senders in an hour than limits.maxNewCustomersPerHour: their mail is kept (quarantined, new-customer-cap) and not relayed. A flood of forged senders, or a cap set too low; held mail can be replayed.`,
      // Published by the inbound function (lib/handlers/inbound-metrics.ts); kept literal so synth
      // does not load the mail code.
      metric: new cloudwatch.Metric({
        namespace: 'SpocInbox',
        metricName: 'NewCustomersHeld',
        // Powertools adds the service dimension to every figure the inbound function publishes.
        dimensionsMap: { service: 'spoc-inbound' },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    this.add('SesBounceRate', {
      alarmDescription: `SES account bounce rate at or above ${SES_BOUNCE_RATE_ALARM_THRESHOLD * 100}% (SES reviews the account at 5%).`,
      metric: sesReputationMetric('Reputation.BounceRate'),
      threshold: SES_BOUNCE_RATE_ALARM_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    this.add('SesComplaintRate', {
      alarmDescription: `SES account complaint rate at or above ${SES_COMPLAINT_RATE_ALARM_THRESHOLD * 100}% (SES reviews the account at 0.1%).`,
      metric: sesReputationMetric('Reputation.ComplaintRate'),
      threshold: SES_COMPLAINT_RATE_ALARM_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    this.add('NoActiveOwner', {
      alarmDescription:
        'A customer mail found no active owner to go to and waits, kept: add or sync owners (spoc owner sync), then spoc replay --force <inbound-id>.',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: NO_ACTIVE_OWNER_METRIC,
        dimensionsMap: { service: INBOUND_METRICS_SERVICE },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  private add(
    id: string,
    props: Pick<cloudwatch.AlarmProps, 'alarmDescription' | 'metric' | 'threshold' | 'comparisonOperator'>,
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      // Named so runbooks and docs can refer to them: `<stack>-InboundDeadLetters`.
      alarmName: `${Stack.of(this).stackName}-${id}`,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

/** Account-level SES reputation metric (no dimensions): the rate SES enforces its limits on. */
function sesReputationMetric(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/SES',
    metricName,
    statistic: cloudwatch.Stats.MAXIMUM,
    period: Duration.hours(1),
  });
}
