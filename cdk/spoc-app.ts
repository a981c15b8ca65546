import { type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { SpocConfig } from '../lib/config/config-schema.js';
import { ConfigError } from '../lib/domain/errors.js';
import type { ContextSource } from './load-stack-config.js';
import { type HostedZoneReference, SpocStack } from './spoc-stack.js';

/** Stack name unless context `stackName` says otherwise (one stack per environment: `-c stackName=SpocInboxStaging`). */
export const DEFAULT_STACK_NAME = 'SpocInbox';

/** Deployment choices that are not product configuration, read from cdk context. */
export interface StackContext {
  stackName: string;
  hostedZone?: HostedZoneReference;
  manageSesIdentities: boolean;
  /** Verified test addresses the functions may send to while the account is in the SES sandbox. */
  sandboxRecipients: string[];
}

function optionalString(context: ContextSource, key: string): string | undefined {
  const value = context.tryGetContext(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`cdk context "${key}" must be a non-empty string`);
  }
  return value.trim();
}

const EMAIL_ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function sandboxRecipients(context: ContextSource): string[] {
  const value = optionalString(context, 'sesSandboxRecipients');
  if (value === undefined) return [];
  const addresses = value
    .split(',')
    .map((address) => address.trim().toLowerCase())
    .filter((address) => address !== '');
  const invalid = addresses.filter((address) => !EMAIL_ADDRESS.test(address));
  if (invalid.length > 0) {
    throw new ConfigError(`cdk context "sesSandboxRecipients": not an email address: ${invalid.join(', ')}`);
  }
  return addresses;
}

/**
 * Reads from cdk context: `stackName`, `hostedZoneId` + `hostedZoneName` (both or neither),
 * `manageSesIdentities` (`false` when the domain identities already exist in SES) and
 * `sesSandboxRecipients` (comma-separated verified addresses, only while in the SES sandbox).
 */
export function readStackContext(context: ContextSource): StackContext {
  const stackName = optionalString(context, 'stackName') ?? DEFAULT_STACK_NAME;
  const hostedZoneId = optionalString(context, 'hostedZoneId');
  const zoneName = optionalString(context, 'hostedZoneName');
  if ((hostedZoneId === undefined) !== (zoneName === undefined)) {
    throw new ConfigError('cdk context "hostedZoneId" and "hostedZoneName" must be given together');
  }
  const manage = context.tryGetContext('manageSesIdentities');
  if (manage !== undefined && ![true, false, 'true', 'false'].includes(manage as never)) {
    throw new ConfigError('cdk context "manageSesIdentities" must be true or false');
  }
  return {
    stackName,
    hostedZone: hostedZoneId === undefined || zoneName === undefined ? undefined : { hostedZoneId, zoneName },
    manageSesIdentities: manage === undefined ? true : manage === true || manage === 'true',
    sandboxRecipients: sandboxRecipients(context),
  };
}

export interface SpocAppOptions extends StackContext {
  config: SpocConfig;
  env?: Environment;
}

/**
 * Adds the stack to `app` and registers cdk-nag's AwsSolutions pack, so that synth fails on any finding
 * not acknowledged with a reason.
 */
export function addSpocStack(app: App, options: SpocAppOptions): SpocStack {
  const stack = new SpocStack(app, options.stackName, {
    config: options.config,
    hostedZone: options.hostedZone,
    manageSesIdentities: options.manageSesIdentities,
    sandboxRecipients: options.sandboxRecipients,
    env: options.env,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
