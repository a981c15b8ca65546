import { ConfigError } from '../domain/errors.js';
import * as z from '../validation/zod-mini.js';

/**
 * Environment variables the stack sets on every function. Read once at cold start; a missing one fails
 * loudly with its name.
 */
export const lambdaEnvSchema = z.object({
  AWS_REGION: z.string().check(z.minLength(1)),
  /** The DynamoDB table holding all items. */
  TABLE_NAME: z.string().check(z.minLength(1)),
  /** The bucket SES writes raw mail to (prefix `inbound/`). */
  RAW_MAIL_BUCKET: z.string().check(z.minLength(1)),
  /** Secrets Manager secret (ARN or name) holding the reply-token HMAC key. */
  REPLY_TOKEN_SECRET_ID: z.string().check(z.minLength(1)),
  /** The validated product configuration, serialized as JSON by the CDK app. */
  SPOC_CONFIG_JSON: z.string().check(z.minLength(2)),
  /** SES configuration set used for every sent mail (bounce and complaint events). */
  SES_CONFIGURATION_SET: z.string().check(z.minLength(1)),
});

/** The Lambda environment, validated. */
export type LambdaEnv = z.infer<typeof lambdaEnvSchema>;

/** Reads and validates the Lambda environment, naming every missing or empty variable. */
export function readLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  const result = lambdaEnvSchema.safeParse(env);
  if (!result.success) {
    const names = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new ConfigError(`missing or empty environment variables: ${names}`, { cause: result.error });
  }
  return result.data;
}
