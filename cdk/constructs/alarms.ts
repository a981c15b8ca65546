import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ATTENTION_METRICS,
  INBOUND_METRICS_SERVICE,
  METRICS_NAMESPACE,
  NO_ACTIVE_OWNER_METRIC,
  PROMISE_STEP_METRICS_SERVICE,
  PROMISES_BROKEN_METRIC,
  SEND_THROTTLED_METRIC,
} from '../../lib/handlers/inbound-metrics.js';
import { allowServiceToPublish, type NotificationKey } from './notification-key.js';

/**
 * SES puts an account under review at a 5% bounce rate and a 0.1% complaint rate (and pauses sending at
 * 10% and 0.5%). Alarm at half the review level to leave time to act.
 */
export const SES_BOUNCE_RATE_ALARM_THRESHOLD = 0.025;
export const SES_COMPLAINT_RATE_ALARM_THRESHOLD = 0.0005;

/** Age of the oldest inbound message that raises an alarm: the dead-letter alarm fires an hour later. */
export const INBOUND_OLDEST_MESSAGE_ALARM_SECONDS = 15 * 60;
/** Share of the SES daily sending quota at which the quota alarm fires. */
export const SES_QUOTA_ALARM_SHARE = 0.8;

export interface AlarmsProps {
  notificationKey: NotificationKey;
  /** Subscribed to the alarm topic by email when given (the address must confirm the subscription). */
  alarmEmail?: string;
  deadLetterQueues: readonly { label: string; queue: sqs.IQueue }[];
  functions: readonly { label: string; function: lambda.IFunction }[];
  /** The queue of received mail: how old its oldest message is, and whether any mail is processed. */
  inboundQueue: sqs.IQueue;
  /** Powertools `service` of the inbound function, the dimension of its metrics. */
  inboundService: string;
  /** Hours without any processed inbound mail before the quiet-inbox alarm fires. */
  noInboundMailAlarmHours: number;
  /** The account's SES sending quota per 24 hours. */
  sesDailySendingQuota: number;
  /** Broken response promises in a day beyond which the alarm fires (`promise.alarmThreshold`). */
  brokenPromisesPerDay: number;
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

    const inbound = props.inboundQueue;
    this.add('InboundQueueAge', {
      alarmDescription: `The oldest received mail has waited over ${INBOUND_OLDEST_MESSAGE_ALARM_SECONDS / 60} minutes: the inbound function is failing, throttled or stopped (the dead-letter alarm would fire about an hour later).`,
      metric: inbound.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: INBOUND_OLDEST_MESSAGE_ALARM_SECONDS,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    for (const [status, metricName] of Object.entries(ATTENTION_METRICS)) {
      this.add(`Inbound${metricName}`, {
        alarmDescription: `At least one received mail ended '${status}' in 5 minutes: see its outcome with the spoc CLI.`,
        metric: inboundMetric(props.inboundService, metricName ?? '', Duration.minutes(5)),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
    const hours = props.noInboundMailAlarmHours;
    this.add('NoInboundMail', {
      alarmDescription: `No received mail was processed for ${hours} hours: check the MX records, the active receipt rule set and the inbound function.`,
      // Messages deleted = processed; an idle queue publishes nothing, which counts as no mail.
      metric: inbound.metricNumberOfMessagesDeleted({
        period: Duration.hours(1),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: hours,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.add('SesSendThrottled', {
      alarmDescription:
        'SES refused sends over the account sending rate in 5 minutes (they are retried); request a higher rate if it repeats.',
      metric: inboundMetric(props.inboundService, SEND_THROTTLED_METRIC, Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    const quotaThreshold = Math.floor(props.sesDailySendingQuota * SES_QUOTA_ALARM_SHARE);
    this.add('SesDailyQuota', {
      alarmDescription: `${quotaThreshold} mails sent in a day: ${SES_QUOTA_ALARM_SHARE * 100}% of the SES quota of ${props.sesDailySendingQuota} (deploy.sesDailySendingQuota). Request a higher quota before sending stops.`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName: 'Send',
        statistic: cloudwatch.Stats.SUM,
        period: Duration.days(1),
      }),
      threshold: quotaThreshold,
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

    this.add('PromisesBroken', {
      alarmDescription: `More than ${props.brokenPromisesPerDay} response promises broken in a day (answered or closed after their due time, or escalated; promise.alarmThreshold): owners are overloaded or absent without cover. See spoc stats and spoc due.`,
      // Late answers and closes counted by the inbound function, escalations by the promise-step one
      // when they happen (a silent owner's promise may never end); FILL: a quiet day publishes nothing.
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(answered, 0) + FILL(escalated, 0)',
        usingMetrics: {
          answered: inboundMetric(props.inboundService, PROMISES_BROKEN_METRIC, Duration.days(1)),
          escalated: inboundMetric(PROMISE_STEP_METRICS_SERVICE, PROMISES_BROKEN_METRIC, Duration.days(1)),
        },
        period: Duration.days(1),
        label: 'Response promises broken',
      }),
      threshold: props.brokenPromisesPerDay,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
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
    props: Pick<cloudwatch.AlarmProps, 'alarmDescription' | 'metric' | 'threshold' | 'comparisonOperator'> &
      Partial<Pick<cloudwatch.AlarmProps, 'evaluationPeriods' | 'treatMissingData'>>,
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
      // Named so runbooks and docs can refer to them: `<stack>-InboundDeadLetters`.
      alarmName: `${Stack.of(this).stackName}-${id}`,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

/** A count the inbound function publishes (EMF, `SpocInbox` namespace, Powertools' `service` dimension). */
function inboundMetric(service: string, metricName: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service },
    statistic: cloudwatch.Stats.SUM,
    period,
  });
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
