import type { CoreLambdaEnv, LambdaEnv } from '../config/lambda-env.js';
import { parseConfig } from '../config/load-config.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import { AwsComposition, type AwsCoreDeps, awsSettingsFromLambdaEnv } from './aws-composition.js';
import { AwsInboundComposition } from './aws-inbound-composition.js';

export type { AwsCoreDeps } from './aws-composition.js';

/** The product configuration the CDK app put in the environment. */
function configOf(env: CoreLambdaEnv) {
  return parseConfig(JSON.parse(env.SPOC_CONFIG_JSON), 'SPOC_CONFIG_JSON');
}

/**
 * Builds the store, the SES sender and the configuration from the validated Lambda environment. The
 * delivery-events function runs on these alone: its role may not read raw mail or the reply-token key.
 */
export function buildAwsCoreDeps(env: CoreLambdaEnv): AwsCoreDeps {
  return new AwsComposition(awsSettingsFromLambdaEnv(env)).coreDeps(configOf(env));
}

/** Builds the inbound dependencies: the core ones, the raw mail bucket and the reply-token key. */
export async function buildAwsInboundDeps(env: LambdaEnv): Promise<InboundDeps> {
  return new AwsInboundComposition(awsSettingsFromLambdaEnv(env)).inboundDeps(configOf(env));
}
