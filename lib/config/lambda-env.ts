import { ConfigError } from '../domain/errors.js';
import * as z from '../validation/zod-mini.js';
import type { SpocConfig } from './config-schema.js';

/**
 * Environment variables the stack sets on every function: what the delivery-events function reads.
 * Read once at cold start; a missing one fails loudly with its name.
 */
export const coreLambdaEnvSchema = z.object({
  AWS_REGION: z.string().check(z.minLength(1)),
  /** The DynamoDB table holding all items. */
  TABLE_NAME: z.string().check(z.minLength(1)),
  /** The product configuration the functions read ({@link functionConfigJson}). */
  SPOC_CONFIG_JSON: z.string().check(z.minLength(2)),
  /** SES configuration set used for every sent mail (bounce and complaint events). */
  SES_CONFIGURATION_SET: z.string().check(z.minLength(1)),
});

const core = coreLambdaEnvSchema.shape;

/** The inbound function's environment: the core variables, the raw mail bucket and the reply-token key. */
export const lambdaEnvSchema = z.object({
  AWS_REGION: core.AWS_REGION,
  TABLE_NAME: core.TABLE_NAME,
  /** The bucket SES writes raw mail to (prefix `inbound/`). */
  RAW_MAIL_BUCKET: z.string().check(z.minLength(1)),
  /** Secrets Manager secret (ARN or name) holding the reply-token HMAC key. */
  REPLY_TOKEN_SECRET_ID: z.string().check(z.minLength(1)),
  SPOC_CONFIG_JSON: core.SPOC_CONFIG_JSON,
  SES_CONFIGURATION_SET: core.SES_CONFIGURATION_SET,
});

/** The promise-sweep scheduler's environment: the table it reads the due index of, the queue it fills. */
export const promiseScheduleEnvSchema = z.object({
  AWS_REGION: core.AWS_REGION,
  TABLE_NAME: core.TABLE_NAME,
  /** The queue of due conversations the promise-step function consumes. */
  PROMISE_QUEUE_URL: z.string().check(z.minLength(1)),
});

/** The promise-step function's environment: the core variables and the reply-token key (reply addresses). */
export const promiseStepEnvSchema = z.object({
  ...core,
  REPLY_TOKEN_SECRET_ID: z.string().check(z.minLength(1)),
});

/** The promise-sweep scheduler's environment, validated. */
export type PromiseScheduleEnv = z.infer<typeof promiseScheduleEnvSchema>;
/** The promise-step function's environment, validated. */
export type PromiseStepEnv = z.infer<typeof promiseStepEnvSchema>;

/** Reads and validates the promise-sweep scheduler's environment. */
export function readPromiseScheduleEnv(env: NodeJS.ProcessEnv = process.env): PromiseScheduleEnv {
  return readEnv(promiseScheduleEnvSchema, env);
}

/** Reads and validates the promise-step function's environment. */
export function readPromiseStepEnv(env: NodeJS.ProcessEnv = process.env): PromiseStepEnv {
  return readEnv(promiseStepEnvSchema, env);
}

/** The core Lambda environment, validated. */
export type CoreLambdaEnv = z.infer<typeof coreLambdaEnvSchema>;
/** The inbound Lambda environment, validated. */
export type LambdaEnv = z.infer<typeof lambdaEnvSchema>;

function readEnv<T extends z.ZodMiniType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const names = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new ConfigError(`missing or empty environment variables: ${names}`, { cause: result.error });
  }
  return result.data;
}

/** Reads and validates the inbound function's environment, naming every missing or empty variable. */
export function readLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  return readEnv(lambdaEnvSchema, env);
}

/** Reads and validates the core environment (the delivery-events function's), naming what is missing. */
export function readCoreLambdaEnv(env: NodeJS.ProcessEnv = process.env): CoreLambdaEnv {
  return readEnv(coreLambdaEnvSchema, env);
}

/**
 * `SPOC_CONFIG_JSON` for the functions: the configuration without `owners` (the table holds the owners;
 * the CLI manages them) and without `deploy` (the stack's settings, which no function reads). Owners'
 * addresses thus stay out of the Lambda console, and a new owner needs no deploy.
 */
export function functionConfigJson(config: SpocConfig): string {
  const { owners: _owners, deploy: _deploy, ...read } = config;
  return JSON.stringify(read);
}
