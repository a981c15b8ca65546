import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import {
  addOutcomeMetrics,
  INBOUND_METRICS_SERVICE,
  NO_ACTIVE_OWNER_METRIC,
} from '../../../lib/handlers/inbound-metrics.js';

describe('the no-active-owner figure', () => {
  it('counts a mail that found no active owner, with only the service dimension the alarm reads', () => {
    const metrics = new Metrics({ namespace: 'SpocInboxTest', serviceName: INBOUND_METRICS_SERVICE });
    expect(
      addOutcomeMetrics(metrics, {
        status: 'failed',
        reason: 'no-active-owner',
        detail: 'no active owner to assign the customer to',
      }),
    ).toBe(true);
    const emf = metrics.serializeMetrics() as unknown as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
    };
    const [directive] = emf._aws.CloudWatchMetrics;
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(directive?.Metrics.map((m) => m.Name)).toEqual([NO_ACTIVE_OWNER_METRIC, 'MailsFailed']);
    expect(emf.service).toBe('spoc-inbound');
    expect(emf[NO_ACTIVE_OWNER_METRIC]).toBe(1);
  });

  it('counts other failures only as failed mail', () => {
    const metrics = new Metrics({ namespace: 'SpocInboxTest', serviceName: INBOUND_METRICS_SERVICE });
    expect(addOutcomeMetrics(metrics, { status: 'failed', reason: 'raw-mail-missing' })).toBe(true);
    const emf = metrics.serializeMetrics() as unknown as {
      _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> };
    };
    expect(emf._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).toEqual(['MailsFailed']);
  });
});
