import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeActiveReceiptRuleSetCommand,
  DescribeConfigurationSetCommand,
  GetIdentityDkimAttributesCommand,
  GetIdentityVerificationAttributesCommand,
  GetSendQuotaCommand,
} from '@aws-sdk/client-ses';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SpocConfig } from '../config/config-schema.js';
import type { AwsOpsComposition } from './aws-ops-composition.js';

/** The result of one check: what was found and, when it is not right, what to do. */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

/** Looks up MX records; `node:dns/promises` in production, injected answers in tests. */
export interface MxResolver {
  resolveMx(domain: string): Promise<Array<{ exchange: string; priority: number }>>;
}

/**
 * The deployed stack's names (its outputs) that the later checks need; before the first deploy none is
 * known and those checks are skipped.
 */
export interface DoctorTargets {
  ruleSetName?: string;
  configurationSetName?: string;
  deadLetterQueueUrls?: string[];
  inboundFunctionName?: string;
}

/** SES's inbound SMTP endpoint of a region, the host MX records must name. */
export function inboundSmtpHost(region: string): string {
  return `inbound-smtp.${region}.amazonaws.com`;
}

/** Judges a domain's MX records: SES's inbound endpoint of the region must be among them. */
export function judgeMx(
  domain: string,
  region: string,
  records: Array<{ exchange: string; priority: number }> | Error,
): DoctorCheck {
  const name = `mx ${domain}`;
  const host = inboundSmtpHost(region);
  const fix = `publish the record: ${domain}. MX 10 ${host}`;
  if (records instanceof Error) {
    return { name, status: 'fail', detail: `no MX record (${records.message})`, fix };
  }
  const hosts = records
    .sort((a, b) => a.priority - b.priority)
    .map((r) => r.exchange.toLowerCase().replace(/\.$/, ''));
  if (hosts.includes(host)) {
    const others = hosts.filter((h) => h !== host);
    return others.length === 0
      ? { name, status: 'ok', detail: `points at ${host}` }
      : {
          name,
          status: 'warn',
          detail: `points at ${host} and also at ${others.join(', ')}`,
          fix: `remove the other MX records, or mail may be delivered past SES: ${others.join(', ')}`,
        };
  }
  return { name, status: 'fail', detail: `points at ${hosts.join(', ') || 'nothing'}, not at ${host}`, fix };
}

/** Judges which receipt rule set is active against the one the stack uses (or will create). */
export function judgeActiveRuleSet(
  active: string | undefined,
  config: SpocConfig,
  targets: DoctorTargets,
): DoctorCheck {
  const name = 'receipt rule set';
  const ours = config.deploy.existingRuleSetName ?? targets.ruleSetName;
  if (!active) {
    return ours
      ? {
          name,
          status: 'fail',
          detail: 'no rule set is active: SES receives nothing',
          fix: `aws ses set-active-receipt-rule-set --rule-set-name ${ours}`,
        }
      : { name, status: 'ok', detail: "none active; the first deploy creates and activates the stack's own" };
  }
  if (ours === active) return { name, status: 'ok', detail: `${active} (ours) is active` };
  if (!ours) {
    return {
      name,
      status: 'warn',
      detail: `${active}, another rule set, is active: the deploy would replace it and its rules would stop`,
      fix: `to keep it, set deploy.existingRuleSetName to "${active}" so the stack adds its rule there`,
    };
  }
  return {
    name,
    status: 'fail',
    detail: `${active} is active, not ours (${ours}): mail to the support address does not reach the stack`,
    fix: `aws ses set-active-receipt-rule-set --rule-set-name ${ours}, or set deploy.existingRuleSetName to "${active}" and deploy`,
  };
}

/** Judges the account's sending limits: SES's sandbox allows 200 mails a day at 1 a second. */
export function judgeSendQuota(quota: {
  max24HourSend: number;
  maxSendRate: number;
  sentLast24Hours: number;
}): DoctorCheck {
  const detail = `${quota.sentLast24Hours} of ${quota.max24HourSend} mails sent in 24 hours, up to ${quota.maxSendRate}/s`;
  if (quota.max24HourSend <= 200 && quota.maxSendRate <= 1) {
    return {
      name: 'sending',
      status: 'fail',
      detail: `sandbox (${detail}): mail goes only to verified addresses, so customers get no answers`,
      fix: 'request production access: SES console → Account dashboard → Request production access',
    };
  }
  const nearLimit = quota.sentLast24Hours >= quota.max24HourSend * 0.8;
  return nearLimit
    ? {
        name: 'sending',
        status: 'warn',
        detail: `production, ${detail}`,
        fix: 'ask SES for a higher sending quota',
      }
    : { name: 'sending', status: 'ok', detail: `production, ${detail}` };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Runs every check of `spoc doctor` against the account the composition reaches: whether the region
 * receives mail, the active receipt rule set, each domain's identity and DKIM, the MX records, sandbox
 * and quota, the configuration set and its event destination, the dead-letter queues and when the
 * inbound function last ran. Before the first deploy only the region and the config are needed; the
 * checks that need the stack's names are skipped.
 */
export async function runDoctorChecks(
  aws: AwsOpsComposition,
  config: SpocConfig,
  targets: DoctorTargets,
  resolver: MxResolver,
  now: Date = new Date(),
): Promise<DoctorCheck[]> {
  const region = await aws.region();
  const ses = aws.ses;
  const supportDomain = config.supportAddress.slice(config.supportAddress.lastIndexOf('@') + 1);
  const domains = [...new Set([supportDomain, config.replyDomain])];
  const checks: DoctorCheck[] = [];

  // Receiving: the receipt-rule API answers only where SES receives mail ("Unavailable Operation" elsewhere).
  try {
    const active = await ses.send(new DescribeActiveReceiptRuleSetCommand({}));
    checks.push({ name: 'region', status: 'ok', detail: `SES receives mail in ${region}` });
    checks.push(judgeActiveRuleSet(active.Metadata?.Name, config, targets));
  } catch (error) {
    const unavailable = errorName(error) === 'InvalidAction';
    checks.push({
      name: 'region',
      status: 'fail',
      detail: unavailable
        ? `SES does not receive mail in ${region}`
        : `could not ask SES: ${errorText(error)}`,
      fix: unavailable
        ? 'deploy to a region where SES receives mail (for example us-east-1, us-west-2 or eu-west-1)'
        : 'check the credentials and the region (--region, AWS_REGION)',
    });
  }

  try {
    const [verification, dkim] = await Promise.all([
      ses.send(new GetIdentityVerificationAttributesCommand({ Identities: domains })),
      ses.send(new GetIdentityDkimAttributesCommand({ Identities: domains })),
    ]);
    for (const domain of domains) {
      const verified = verification.VerificationAttributes?.[domain]?.VerificationStatus;
      const dkimAttributes = dkim.DkimAttributes?.[domain];
      const dkimStatus = dkimAttributes?.DkimEnabled ? dkimAttributes.DkimVerificationStatus : 'off';
      const ok = verified === 'Success' && dkimStatus === 'Success';
      checks.push({
        name: `identity ${domain}`,
        status: ok ? 'ok' : 'fail',
        detail: `verification ${verified ?? 'not started'}, DKIM ${dkimStatus ?? 'not started'}`,
        ...(ok
          ? {}
          : {
              fix: verified
                ? `publish the DKIM CNAME records: aws ses get-identity-dkim-attributes --identities ${domain} (docs/deploy.md, DNS)`
                : 'deploy the stack: it creates the domain identities with Easy DKIM; then publish their DNS records',
            }),
      });
    }
  } catch (error) {
    checks.push({ name: 'identities', status: 'fail', detail: `could not read: ${errorText(error)}` });
  }

  for (const domain of domains) {
    let records: Array<{ exchange: string; priority: number }> | Error;
    try {
      records = await resolver.resolveMx(domain);
    } catch (error) {
      records = error instanceof Error ? error : new Error(String(error));
    }
    checks.push(judgeMx(domain, region, records));
  }

  try {
    const quota = await ses.send(new GetSendQuotaCommand({}));
    checks.push(
      judgeSendQuota({
        max24HourSend: quota.Max24HourSend ?? 0,
        maxSendRate: quota.MaxSendRate ?? 0,
        sentLast24Hours: quota.SentLast24Hours ?? 0,
      }),
    );
  } catch (error) {
    checks.push({ name: 'sending', status: 'fail', detail: `could not read the quota: ${errorText(error)}` });
  }

  const setName = targets.configurationSetName;
  if (!setName) {
    checks.push({
      name: 'configuration set',
      status: 'skip',
      detail: 'not deployed yet, or not named',
      fix: 'after the deploy: --outputs <cdk outputs file> or --configuration-set <ConfigurationSetName>',
    });
  } else {
    try {
      const described = await ses.send(
        new DescribeConfigurationSetCommand({
          ConfigurationSetName: setName,
          ConfigurationSetAttributeNames: ['eventDestinations'],
        }),
      );
      const destinations = (described.EventDestinations ?? []).filter(
        (d) => d && d.Enabled !== false && d.SNSDestination?.TopicARN,
      );
      const types = new Set(
        destinations.flatMap((d) => d.MatchingEventTypes ?? []).map((t) => t.toLowerCase()),
      );
      const missing = ['bounce', 'complaint'].filter((t) => !types.has(t));
      checks.push(
        missing.length === 0
          ? {
              name: 'configuration set',
              status: 'ok',
              detail: `${setName} sends bounces and complaints to SNS`,
            }
          : {
              name: 'configuration set',
              status: 'fail',
              detail: `${setName} has no SNS event destination for ${missing.join(' and ')}`,
              fix: 'deploy the stack again: it adds the destination (bounces then reach the delivery-events function)',
            },
      );
    } catch (error) {
      checks.push({
        name: 'configuration set',
        status: 'fail',
        detail: `${setName}: ${errorText(error)}`,
        fix: 'check the name (stack output ConfigurationSetName) and the region',
      });
    }
  }

  const queueUrls = targets.deadLetterQueueUrls ?? [];
  if (queueUrls.length === 0) {
    checks.push({
      name: 'dead letters',
      status: 'skip',
      detail: 'no dead-letter queue named',
      fix: 'after the deploy: --outputs <cdk outputs file>',
    });
  } else {
    const sqs = aws.sqs;
    for (const url of queueUrls) {
      const label = url.slice(url.lastIndexOf('/') + 1);
      try {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        const depth = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
        checks.push(
          depth === 0
            ? { name: `dead letters ${label}`, status: 'ok', detail: 'empty' }
            : {
                name: `dead letters ${label}`,
                status: 'fail',
                detail: `${depth} message(s) failed every retry`,
                fix: `read why in the logs, fix, then: spoc replay --queue-url ${url}`,
              },
        );
      } catch (error) {
        checks.push({ name: `dead letters ${label}`, status: 'fail', detail: errorText(error) });
      }
    }
  }

  const functionName = targets.inboundFunctionName;
  if (!functionName) {
    checks.push({
      name: 'last inbound',
      status: 'skip',
      detail: 'no inbound function named',
      fix: 'after the deploy: --outputs <cdk outputs file>',
    });
  } else {
    try {
      const cloudwatch = aws.cloudwatch;
      const days = 14;
      const { Datapoints = [] } = await cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/Lambda',
          MetricName: 'Invocations',
          Dimensions: [{ Name: 'FunctionName', Value: functionName }],
          StartTime: new Date(now.getTime() - days * 86_400_000),
          EndTime: now,
          Period: 3600,
          Statistics: ['Sum'],
        }),
      );
      const last = Datapoints.filter((d) => (d.Sum ?? 0) > 0 && d.Timestamp)
        .map((d) => d.Timestamp as Date)
        .sort((a, b) => b.getTime() - a.getTime())[0];
      checks.push(
        last
          ? {
              name: 'last inbound',
              status: 'ok',
              detail: `the inbound function last processed mail in the hour from ${last.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
            }
          : {
              name: 'last inbound',
              status: 'warn',
              detail: `no mail processed in the last ${days} days`,
              fix: 'send a test mail to the support address (docs/deploy.md, "Check that it works")',
            },
      );
    } catch (error) {
      checks.push({ name: 'last inbound', status: 'fail', detail: `could not read: ${errorText(error)}` });
    }
  }
  return checks;
}
