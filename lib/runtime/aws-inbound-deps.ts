import type { CoreLambdaEnv, LambdaEnv, PromiseScheduleEnv, PromiseStepEnv } from '../config/lambda-env.js';
import { parseConfig } from '../config/load-config.js';
import type { DuePromiseQueue } from '../ports/message-queue.js';
import type { SupportStore } from '../ports/support-store.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import type { SweepDeps } from '../use-cases/sweep-promises.js';
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

/** The promise-sweep scheduler: the table's due index and the queue of due conversations; nothing else. */
export function buildAwsPromiseSchedule(env: PromiseScheduleEnv): {
  store: SupportStore;
  queue: DuePromiseQueue;
} {
  const aws = new AwsComposition({ region: env.AWS_REGION, tableName: env.TABLE_NAME });
  return { store: aws.store, queue: aws.duePromiseQueue(env.PROMISE_QUEUE_URL) };
}

/** The promise-step function: the store, SES, the configuration and the reply-token key. */
export function buildAwsSweepDeps(env: PromiseStepEnv): Promise<SweepDeps> {
  return new AwsInboundComposition(awsSettingsFromLambdaEnv(env)).sweepDeps(configOf(env));
}
