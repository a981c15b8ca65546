import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import type { InboundOutcome } from '../../../lib/domain/types.js';
import {
  INBOUND_METRICS_SERVICE,
  PROMISE_STEP_METRICS_SERVICE,
  PROMISES_BROKEN_METRIC,
  publishOutcomeMetrics,
  publishPromiseStepMetrics,
} from '../../../lib/handlers/inbound-metrics.js';

type Emf = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
};

/** Publishes one outcome's figures and returns the EMF records written, in order. */
function published(outcome: InboundOutcome): Emf[] {
  const records: Emf[] = [];
  publishOutcomeMetrics(() => {
    const metrics = new Metrics({ namespace: 'SpocInboxTest', serviceName: INBOUND_METRICS_SERVICE });
    // Kept instead of printed: the records are what CloudWatch would receive.
    metrics.publishStoredMetrics = () => {
      records.push(metrics.serializeMetrics() as unknown as Emf);
      return metrics;
    };
    return metrics;
  }, outcome);
  return records;
}

const answered: InboundOutcome = {
  status: 'relayed-to-customer',
  conversationId: 'c-1',
  ownerEmail: 'alice@team.test',
};

describe('promise figures as CloudWatch metrics', () => {
  it('counts a kept promise per owner, with the business first-response time and an answer by the owner', () => {
    const [record, ...more] = published({
      ...answered,
      promiseEnd: {
        ownerEmail: 'alice@team.test',
        result: 'kept',
        escalated: false,
        answered: true,
        byOwner: true,
        firstResponseBusinessSeconds: 5400,
      },
    });
    expect(more).toEqual([]);
    expect(record?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'Owner']]);
    expect(record?.Owner).toBe('alice@team.test');
    expect(record?.PromisesKept).toBe(1);
    expect(record?.AnswersByOwner).toBe(1);
    expect(record?.FirstResponseBusinessSeconds).toBe(5400);
    expect(record?.RepliesSent).toBe(1);
    expect(record).not.toHaveProperty(PROMISES_BROKEN_METRIC);
  });

  it('counts a broken, escalated promise per owner; the daily alarm counted it when it escalated', () => {
    const records = published({
      status: 'noted',
      reason: 'closed',
      ownerEmail: 'bob@team.test',
      promiseEnd: {
        ownerEmail: 'alice@team.test',
        result: 'broken',
        escalated: true,
        answered: false,
        byOwner: false,
      },
    });
    expect(records).toHaveLength(1);
    const [perOwner] = records;
    expect(perOwner?.Owner).toBe('alice@team.test');
    expect(perOwner?.[PROMISES_BROKEN_METRIC]).toBe(1);
    expect(perOwner?.Escalations).toBe(1);
    expect(perOwner).not.toHaveProperty('AnswersByOthers');
  });

  it('counts a promise answered late per owner and once more without the owner, for the daily alarm', () => {
    const records = published({
      ...answered,
      promiseEnd: {
        ownerEmail: 'alice@team.test',
        result: 'broken',
        escalated: false,
        answered: true,
        byOwner: true,
      },
    });
    expect(records).toHaveLength(2);
    const [perOwner, all] = records;
    expect(perOwner?.[PROMISES_BROKEN_METRIC]).toBe(1);
    expect(perOwner).not.toHaveProperty('Escalations');
    expect(all?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    expect(all?.[PROMISES_BROKEN_METRIC]).toBe(1);
  });

  it('counts an escalation, when the promise-step function carries it out, in the alarm stream only', () => {
    const records: Emf[] = [];
    const create = () => {
      const metrics = new Metrics({ namespace: 'SpocInboxTest', serviceName: PROMISE_STEP_METRICS_SERVICE });
      metrics.publishStoredMetrics = () => {
        records.push(metrics.serializeMetrics() as unknown as Emf);
        return metrics;
      };
      return metrics;
    };
    const others = ['nudge', 'tell-lead', 'resume', 'none', 'busy', 'failed', 'consult-reminder'] as const;
    for (const step of others) {
      publishPromiseStepMetrics(create, step);
    }
    expect(records).toEqual([]);
    publishPromiseStepMetrics(create, 'escalate');
    expect(records).toHaveLength(1);
    expect(records[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    expect(records[0]?.service).toBe('spoc-promise-step');
    expect(records[0]?.[PROMISES_BROKEN_METRIC]).toBe(1);
  });

  it('publishes nothing about promises for an answer that ended none', () => {
    const [record] = published(answered);
    expect(record?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).toEqual(['RepliesSent']);
  });
});
