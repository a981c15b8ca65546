import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CfnResource, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../cdk/load-stack-config.js';
import type { SpocConfigInput } from '../../lib/config/config-schema.js';
import { buildStack, withDeploy } from './support/stack-fixture.js';

/** Every finding of the AwsSolutions pack, acknowledged or not. */
function allFindings(scope: IConstruct): string[] {
  const pack = new AwsSolutionsChecks();
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack
    .validateScope(scope)
    .violations.flatMap((v) => v.violatingResources.map((r) => `${r.constructPath} ${v.ruleName}`))
    .sort();
}

/** Every acknowledgement recorded under `scope`: path of the acknowledged resource, rule id, reason. */
function acknowledgements(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([key, reason]) => ({
          path: construct.node.path,
          id: key.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

const variants = {
  default: {},
  'existing rule set': { config: withDeploy({ existingRuleSetName: 'company-inbound' }) },
  'Route 53 records': {
    config: withDeploy({ hostedZone: { id: 'Z0123456789EXAMPLE', name: 'example.org' } }),
  },
  'no alarm email, no deletion protection': {
    config: withDeploy({ alarmEmail: undefined, deletionProtection: false }),
  },
};

describe('cdk-nag AwsSolutions', () => {
  for (const [name, options] of Object.entries(variants)) {
    it(`finds nothing unacknowledged (${name})`, () => {
      const { stack } = buildStack(options);
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(
        report.violations.map((v) => `${v.ruleName}: ${v.violatingResources[0]?.constructPath}`),
      ).toEqual([]);
    });
  }

  it('acknowledges nothing that is not a finding, and every finding with a specific reason', () => {
    const { stack } = buildStack();
    const findings = allFindings(stack);
    const acks = acknowledgements(stack);
    const acknowledgedFindings = findings.filter((finding) =>
      acks.some((ack) => finding.startsWith(`${ack.path}/`) && finding.endsWith(` ${ack.id}`)),
    );
    expect(acknowledgedFindings).toEqual(findings);
    for (const ack of acks) {
      expect(
        findings.some((f) => f.startsWith(`${ack.path}/`) && f.endsWith(` ${ack.id}`)),
        ack.id,
      ).toBe(true);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(80);
    }
    expect(new Set(acks.map((ack) => ack.id))).toEqual(
      new Set([
        'AwsSolutions-L1',
        'AwsSolutions-SMG4',
        'AwsSolutions-IAM5[Resource::*]',
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<IngestRawMailBucket\w+\.Arn>\/inbound\/\*\]$/),
      ]),
    );
  });

  it('runs in synth and fails it on an unacknowledged finding', () => {
    const { app, stack } = buildStack();
    new s3.Bucket(stack, 'CarelessBucket');
    expect(() => app.synth()).toThrow(
      /AwsSolutions-S1[\s\S]*CarelessBucket|CarelessBucket[\s\S]*AwsSolutions-S1/,
    );
  }, 120_000);

  it("fails synth on a template CloudFormation's rules refuse", () => {
    const { app, stack } = buildStack({ cloudFormationValidation: true });
    new CfnResource(stack, 'CarelessLogGroup', {
      type: 'AWS::Logs::LogGroup',
      properties: { RetentionInDays: 'often' },
    });
    expect(() => app.synth()).toThrow(/RetentionInDays: 'often' is not of type 'integer'/);
  }, 120_000);

  // With CloudFormation's own rules as `cdk synth` runs them (cdk.json makes their findings errors).
  const shippedExample = JSON.parse(
    readFileSync(resolve(PROJECT_ROOT, 'spoc.config.example.json'), 'utf8'),
  ) as SpocConfigInput;
  for (const [name, options] of Object.entries({
    ...variants,
    'shipped example': { config: shippedExample },
  })) {
    it(`lets a clean stack synthesize, CloudFormation's rules included (${name})`, () => {
      const { app } = buildStack({ ...options, cloudFormationValidation: true });
      expect(() => app.synth()).not.toThrow();
    }, 120_000);
  }
});
