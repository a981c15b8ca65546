import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { PROJECT_ROOT } from '../../../cdk/load-stack-config.js';
import { addSpocStack } from '../../../cdk/spoc-app.js';
import type { SpocStack } from '../../../cdk/spoc-stack.js';
import type { SpocConfigInput } from '../../../lib/config/config-schema.js';
import { parseConfig } from '../../../lib/config/load-config.js';

/** A complete, valid configuration; tests override what they look at. */
export const TEST_CONFIG: SpocConfigInput = {
  supportAddress: 'help@support.example.org',
  supportName: 'Example Support',
  replyDomain: 'reply.example.org',
  owners: [
    { email: 'alice@example.org', name: 'Alice Smith' },
    { email: 'bob@example.org', name: 'Bob Jones' },
  ],
  deploy: {
    rawMailRetentionDays: 90,
    requireTls: true,
    deletionProtection: true,
    inboundMemoryMb: 1536,
    alarmEmail: 'ops@example.org',
  },
};

/** The context `cdk.json` gives every CLI synth (feature flags, telemetry off). */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface BuildOptions {
  config?: SpocConfigInput;
  /** Extra cdk context. */
  context?: Record<string, unknown>;
  /** Run esbuild for every function (seconds); off unless the test inspects the bundles. */
  bundle?: boolean;
  /**
   * Check the synthesized template against CloudFormation's rules (aws-cdk-lib's built-in validation,
   * on for every `cdk synth`). Its WebAssembly validator costs about 10 s of CPU on its first use in a
   * process and a second per synth after, so the template tests leave it to the one that checks it
   * (test/cdk/nag.test.ts).
   */
  cloudFormationValidation?: boolean;
}

export interface BuiltStack {
  app: App;
  stack: SpocStack;
}

/** Builds the app the way `cdk/app.ts` does, from a config object instead of a file. */
export function buildStack(options: BuildOptions = {}): BuiltStack {
  const app = new App({
    builtinCloudFormationValidation: options.cloudFormationValidation === true,
    context: {
      ...cdkJsonContext(),
      ...(options.bundle === true ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  const config = parseConfig(options.config ?? TEST_CONFIG, 'test config');
  const stack = addSpocStack(app, { config });
  return { app, stack };
}

export function templateOf(options: BuildOptions = {}): { template: Template } & BuiltStack {
  const built = buildStack(options);
  return { ...built, template: Template.fromStack(built.stack) };
}

/** Merges a partial deploy section into the test config. */
export function withDeploy(deploy: Partial<NonNullable<SpocConfigInput['deploy']>>): SpocConfigInput {
  return { ...TEST_CONFIG, deploy: { ...TEST_CONFIG.deploy, ...deploy } };
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

export function logicalIdOf(construct: iam.IRole | { node: { defaultChild?: unknown } }): string {
  const child = (construct as { node: { defaultChild?: unknown } }).node.defaultChild;
  return Stack.of(construct as never).getLogicalId(child as never);
}

/** Every statement of every identity policy attached to `role`. */
export function roleStatements(template: Template, role: iam.IRole): Statement[] {
  const roleId = logicalIdOf(role);
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleId }),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export function actionsOf(statement: Statement): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** `{ 'Fn::GetAtt': [id, 'Arn'] }` */
export function arnOf(logicalId: string): unknown {
  return { 'Fn::GetAtt': [logicalId, 'Arn'] };
}
