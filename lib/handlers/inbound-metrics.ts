import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { InboundOutcome } from '../domain/types.js';

/** CloudWatch namespace of the product's own figures. */
export const METRICS_NAMESPACE = 'SpocInbox';

/**
 * Outcomes someone must look at, counted without dimensions (beyond Powertools' `service`) so that one
 * alarm per metric sees them all: a mail that failed for good, and a mail held as suspect.
 */
export const ATTENTION_METRICS: Partial<Record<InboundOutcome['status'], string>> = {
  failed: 'MailsFailed',
  quarantined: 'MailsQuarantined',
};

/** Counted once per record whose send SES throttled (an alarm watches it). */
export const SEND_THROTTLED_METRIC = 'SendsThrottled';

/** Publishes one {@link SEND_THROTTLED_METRIC} count as an EMF record of its own. */
export function publishThrottledSend(createMetrics: () => Metrics): void {
  const metrics = createMetrics();
  metrics.addMetric(SEND_THROTTLED_METRIC, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

/**
 * Adds the figures one processed mail contributes, per owner, to `metrics` (CloudWatch EMF through
 * Powertools): `CustomerMessagesRelayed` for a customer mail relayed to its owner, `RepliesSent` for an
 * owner's answer, and `FirstResponseSeconds` when that answer is a conversation's first. The one
 * dimension is `Owner` (owners are a handful of people, so the number of metric streams stays small);
 * customers and conversations are never dimensions. `failed` and `quarantined` outcomes add their
 * {@link ATTENTION_METRICS} count instead.
 *
 * @returns Whether anything was added (the caller publishes only then).
 */
export function addOutcomeMetrics(metrics: Metrics, outcome: InboundOutcome): boolean {
  const attention = ATTENTION_METRICS[outcome.status];
  if (attention !== undefined) {
    // No Owner dimension: the alarms watch the one stream per metric.
    metrics.addMetric(attention, MetricUnit.Count, 1);
    return true;
  }
  const owner = outcome.ownerEmail;
  if (!owner) return false;
  if (outcome.status === 'relayed-to-owner') {
    metrics.addDimension('Owner', owner);
    metrics.addMetric('CustomerMessagesRelayed', MetricUnit.Count, 1);
    return true;
  }
  if (outcome.status === 'relayed-to-customer') {
    metrics.addDimension('Owner', owner);
    metrics.addMetric('RepliesSent', MetricUnit.Count, 1);
    if (outcome.firstResponseSeconds !== undefined) {
      metrics.addMetric('FirstResponseSeconds', MetricUnit.Seconds, outcome.firstResponseSeconds);
    }
    return true;
  }
  return false;
}

/**
 * Publishes the figures of one processed mail as one EMF record of its own: each record carries its
 * owner's dimension, so records of different owners in one batch never mix.
 */
export function publishOutcomeMetrics(createMetrics: () => Metrics, outcome: InboundOutcome): void {
  const metrics = createMetrics();
  if (addOutcomeMetrics(metrics, outcome)) metrics.publishStoredMetrics();
}
