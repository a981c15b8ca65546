import type { AwsComposition } from '../runtime/aws-composition.js';
import { AwsOpsComposition } from '../runtime/aws-ops-composition.js';
import { type CliIo, UsageError } from './cli-io.js';

/** Flags naming the deployed stack's parts (the stack outputs), as every AWS-reaching command takes them. */
export interface AwsTargetFlags {
  table?: string;
  region?: string;
  bucket?: string;
  'secret-id'?: string;
  'configuration-set'?: string;
}

/** Which parts a command needs besides the table. */
export interface AwsNeeds {
  bucket?: boolean;
  secret?: boolean;
  configurationSet?: boolean;
}

/**
 * The AWS composition a CLI command works with, from its flags and environment
 * (`AWS_REGION`, `SPOC_REPLY_TOKEN_SECRET_ID`, `SPOC_SES_CONFIGURATION_SET`). Each part the command
 * needs and was not given is a usage error naming the flag and the stack output to read it from.
 */
export function awsCompositionFor(
  io: CliIo,
  flags: AwsTargetFlags & { table: string },
  needs: AwsNeeds,
): AwsOpsComposition {
  const secretId = flags['secret-id'] ?? io.env.SPOC_REPLY_TOKEN_SECRET_ID;
  const configurationSetName = flags['configuration-set'] ?? io.env.SPOC_SES_CONFIGURATION_SET;
  if (needs.bucket && !flags.bucket) {
    throw new UsageError(
      'with --table, also give the raw-mail bucket: --bucket <name> (stack output RawMailBucketName)',
    );
  }
  if (needs.secret && !secretId) {
    throw new UsageError(
      'with --table, also give the reply-token secret: --secret-id <id> or SPOC_REPLY_TOKEN_SECRET_ID (stack output ReplyTokenSecretArn)',
    );
  }
  if (needs.configurationSet && !configurationSetName) {
    throw new UsageError(
      'with --table, also give the SES configuration set, so bounces of the mail this sends are tracked: --configuration-set <name> or SPOC_SES_CONFIGURATION_SET (stack output ConfigurationSetName)',
    );
  }
  const region = flags.region ?? io.env.AWS_REGION;
  return new AwsOpsComposition({
    tableName: flags.table,
    ...(region ? { region } : {}),
    ...(flags.bucket ? { rawMailBucket: flags.bucket } : {}),
    ...(secretId ? { replyTokenSecretId: secretId } : {}),
    ...(configurationSetName ? { configurationSetName } : {}),
  });
}

/** Where a composition's data is, for messages to the user. */
export function awsWhere(aws: AwsComposition): string {
  const { tableName, region } = aws.settings;
  return `table ${tableName}${region ? ` in ${region}` : ''}`;
}
