import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { InboundOutcome } from '../domain/types.js';
import { NEW_CUSTOMER_CAP } from '../use-cases/screen-customer-side.js';
import type { PromiseStepResult } from '../use-cases/sweep-promises.js';

/** CloudWatch namespace of the product's own figures. */
export const METRICS_NAMESPACE = 'SpocInbox';

/** A new sender's mail held beyond `limits.maxNewCustomersPerHour` (no dimension; alarmed on). */
export const NEW_CUSTOMERS_HELD_METRIC = 'NewCustomersHeld';

/**
 * Counted for each customer mail that found no active owner to go to (its outcome `failed`,
 * `no-active-owner`): the stack alarms on it, since the customer waits until an owner exists.
 */
export const NO_ACTIVE_OWNER_METRIC = 'MailWithoutActiveOwner';

/** The service dimension Powertools adds to every figure of the inbound function. */
export const INBOUND_METRICS_SERVICE = 'spoc-inbound';

/** The promise-step function's `service` dimension (the stack names that function's service so). */
export const PROMISE_STEP_METRICS_SERVICE = 'spoc-promise-step';

/**
 * Outcomes someone must look at, counted without dimensions (beyond Powertools' `service`) so that one
 * alarm per metric sees them all: a mail that failed for good, and a mail held as suspect.
 */
export const ATTENTION_METRICS: Partial<Record<InboundOutcome['status'], string>> = {
  failed: 'MailsFailed',
  quarantined: 'MailsQuarantined',
};

/**
 * Counted for each response promise that ended late or escalated: once per owner (dimension `Owner`) and
 * once without it, which the alarm on `promise.alarmThreshold` broken promises a day watches.
 */
export const PROMISES_BROKEN_METRIC = 'PromisesBroken';

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
 * owner's answer, `FirstResponseSeconds` when that answer is a conversation's first, and
 * {@link NO_ACTIVE_OWNER_METRIC} (no dimension but the service) for a mail no active owner could take. The one
 * dimension is `Owner` (owners are a handful of people, so the number of metric streams stays small);
 * customers and conversations are never dimensions. A new sender held by the hourly new-customer cap adds
 * `NewCustomersHeld`, with no dimension but the service; `failed` and `quarantined` outcomes add their
 * {@link ATTENTION_METRICS} count.
 *
 * @returns Whether anything was added (the caller publishes only then).
 */
export function addOutcomeMetrics(metrics: Metrics, outcome: InboundOutcome): boolean {
  let added = false;
  if (outcome.reason === NEW_CUSTOMER_CAP) {
    // Account-wide, no Owner dimension: the alarm on it says a flood of new senders is being held.
    metrics.addMetric(NEW_CUSTOMERS_HELD_METRIC, MetricUnit.Count, 1);
    added = true;
  }
  if (outcome.status === 'failed' && outcome.reason === 'no-active-owner') {
    metrics.addMetric(NO_ACTIVE_OWNER_METRIC, MetricUnit.Count, 1);
    added = true;
  }
  const attention = ATTENTION_METRICS[outcome.status];
  if (attention !== undefined) {
    // No Owner dimension: the alarms watch the one stream per metric.
    metrics.addMetric(attention, MetricUnit.Count, 1);
    added = true;
  }
  if (added) {
    return true;
  }
  const ended = addPromiseEndMetrics(metrics, outcome);
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
  return ended;
}

/**
 * The figures of a response promise that ended with this mail (an answer or `#close`), per owner:
 * `PromisesKept` or {@link PROMISES_BROKEN_METRIC}, `Escalations` for one that had gone to the backup,
 * `FirstResponseBusinessSeconds` for a first answer, and `AnswersByOwner` or `AnswersByOthers` for an
 * answer (continuity is the first over both).
 */
function addPromiseEndMetrics(metrics: Metrics, outcome: InboundOutcome): boolean {
  const end = outcome.promiseEnd;
  if (!end) return false;
  // An answer's record carries its owner already (the same one: the conversation's).
  if (outcome.status !== 'relayed-to-customer') metrics.addDimension('Owner', end.ownerEmail);
  metrics.addMetric(end.result === 'kept' ? 'PromisesKept' : PROMISES_BROKEN_METRIC, MetricUnit.Count, 1);
  if (end.escalated) metrics.addMetric('Escalations', MetricUnit.Count, 1);
  if (end.answered)
    metrics.addMetric(end.byOwner ? 'AnswersByOwner' : 'AnswersByOthers', MetricUnit.Count, 1);
  if (end.firstResponseBusinessSeconds !== undefined) {
    metrics.addMetric('FirstResponseBusinessSeconds', MetricUnit.Seconds, end.firstResponseBusinessSeconds);
  }
  return true;
}

/**
 * Publishes the figures of one processed mail as one EMF record of its own: each record carries its
 * owner's dimension, so records of different owners in one batch never mix.
 */
export function publishOutcomeMetrics(createMetrics: () => Metrics, outcome: InboundOutcome): void {
  const metrics = createMetrics();
  if (addOutcomeMetrics(metrics, outcome)) metrics.publishStoredMetrics();
  // An escalated promise was counted when it escalated (`publishPromiseStepMetrics`), as the alarm must
  // see an owner and a backup who stay silent, whose promise may never end.
  if (outcome.promiseEnd?.result === 'broken' && !outcome.promiseEnd.escalated) {
    // Without the Owner dimension, in a record of its own: the one stream the daily alarm watches.
    const all = createMetrics();
    all.addMetric(PROMISES_BROKEN_METRIC, MetricUnit.Count, 1);
    all.publishStoredMetrics();
  }
}

/**
 * The figures of one promise step the promise-step function carried out: a promise that went to the
 * backup at its due time is broken then, counted once in the stream the daily alarm watches (without
 * the Owner dimension, as the inbound function counts the promises broken by a late answer or close).
 */
export function publishPromiseStepMetrics(
  createMetrics: () => Metrics,
  step: PromiseStepResult['step'],
): void {
  if (step !== 'escalate') return;
  const metrics = createMetrics();
  metrics.addMetric(PROMISES_BROKEN_METRIC, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
