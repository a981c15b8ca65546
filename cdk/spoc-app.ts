import { type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  DEFAULT_STACK_NAME as SCHEMA_DEFAULT_STACK_NAME,
  type SpocConfig,
} from '../lib/config/config-schema.js';
import { ConfigError } from '../lib/domain/errors.js';
import type { ContextSource } from './load-stack-config.js';
import { SpocStack } from './spoc-stack.js';

/** Stack name unless `deploy.stackName` says otherwise (one stack per environment). */
export const DEFAULT_STACK_NAME = SCHEMA_DEFAULT_STACK_NAME;

/**
 * cdk context flags that once carried deployment settings, and the config key each moved to. A flag
 * forgotten on one deploy deleted DNS records or SES identities, or created a second stack; the config
 * file is read on every deploy, so it cannot be forgotten.
 */
export const RETIRED_CONTEXT_FLAGS: Readonly<Record<string, string>> = {
  stackName: 'deploy.stackName',
  hostedZoneId: 'deploy.hostedZone.id',
  hostedZoneName: 'deploy.hostedZone.name',
  manageSesIdentities: 'deploy.manageSesIdentities',
  sesSandboxRecipients: 'deploy.sesSandboxRecipients',
  existingRuleSetName: 'deploy.existingRuleSetName',
};

/** Throws a `ConfigError` naming each retired `-c` flag that is set and the config key that replaces it. */
export function refuseRetiredContextFlags(context: ContextSource): void {
  const given = Object.keys(RETIRED_CONTEXT_FLAGS).filter(
    (flag) => context.tryGetContext(flag) !== undefined,
  );
  if (given.length === 0) return;
  const lines = given.map((flag) => `  -c ${flag}: set "${RETIRED_CONTEXT_FLAGS[flag]}" in the config file`);
  throw new ConfigError(
    `deployment settings are read from the config file only, so every deploy builds the same stack; ` +
      `drop these cdk context flags:\n${lines.join('\n')}`,
  );
}

export interface SpocAppOptions {
  config: SpocConfig;
  env?: Environment;
}

/**
 * Adds the stack to `app`, every deployment setting taken from `config.deploy`, and registers cdk-nag's
 * AwsSolutions pack, so that synth fails on any finding not acknowledged with a reason. Refuses the
 * retired context flags first.
 */
export function addSpocStack(app: App, options: SpocAppOptions): SpocStack {
  refuseRetiredContextFlags(app.node);
  const { deploy } = options.config;
  const stack = new SpocStack(app, deploy.stackName, {
    config: options.config,
    hostedZone:
      deploy.hostedZone === undefined
        ? undefined
        : { hostedZoneId: deploy.hostedZone.id, zoneName: deploy.hostedZone.name },
    manageSesIdentities: deploy.manageSesIdentities,
    sandboxRecipients: deploy.sesSandboxRecipients,
    env: options.env,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
