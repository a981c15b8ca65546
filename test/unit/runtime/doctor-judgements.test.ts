import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/load-config.js';
import { judgeActiveRuleSet, judgeMx, judgeSendQuota } from '../../../lib/runtime/aws-doctor.js';

const config = parseConfig({ supportAddress: 'support@example.test', replyDomain: 'reply.example.test' });

describe('doctor judgements', () => {
  it('MX: SES endpoint of the region passes; another host, extra hosts or no record do not', () => {
    const ses = { exchange: 'INBOUND-SMTP.eu-west-1.amazonaws.com.', priority: 10 };
    expect(judgeMx('a.test', 'eu-west-1', [ses]).status).toBe('ok');
    expect(judgeMx('a.test', 'us-east-1', [ses])).toMatchObject({
      status: 'fail',
      fix: 'publish the record: a.test. MX 10 inbound-smtp.us-east-1.amazonaws.com',
    });
    expect(judgeMx('a.test', 'eu-west-1', [ses, { exchange: 'mx.old.test', priority: 5 }]).status).toBe(
      'warn',
    );
    expect(judgeMx('a.test', 'eu-west-1', new Error('queryMx ENOTFOUND a.test')).detail).toContain(
      'no MX record',
    );
  });

  it('rule set: ours, none, another before and after the deploy', () => {
    expect(judgeActiveRuleSet('ours', config, { ruleSetName: 'ours' }).status).toBe('ok');
    expect(judgeActiveRuleSet(undefined, config, {}).status).toBe('ok');
    expect(judgeActiveRuleSet(undefined, config, { ruleSetName: 'ours' })).toMatchObject({
      status: 'fail',
      fix: 'aws ses set-active-receipt-rule-set --rule-set-name ours',
    });
    expect(judgeActiveRuleSet('theirs', config, {}).status).toBe('warn');
    expect(judgeActiveRuleSet('theirs', config, { ruleSetName: 'ours' }).status).toBe('fail');
  });

  it('sending: sandbox limits fail, production passes, near the quota warns', () => {
    expect(judgeSendQuota({ max24HourSend: 200, maxSendRate: 1, sentLast24Hours: 0 }).status).toBe('fail');
    expect(judgeSendQuota({ max24HourSend: 50_000, maxSendRate: 14, sentLast24Hours: 10 }).status).toBe('ok');
    expect(judgeSendQuota({ max24HourSend: 50_000, maxSendRate: 14, sentLast24Hours: 45_000 }).status).toBe(
      'warn',
    );
  });
});
