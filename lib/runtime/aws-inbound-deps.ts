import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSupportStore } from '../adapters/dynamodb/dynamodb-support-store.js';
import { S3RawMailStore } from '../adapters/s3/s3-raw-mail-store.js';
import { SesMailSender } from '../adapters/ses/ses-mail-sender.js';
import type { CoreLambdaEnv, LambdaEnv } from '../config/lambda-env.js';
import { parseConfig } from '../config/load-config.js';
import { ConfigError } from '../domain/errors.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';

/** Reads the reply-token key; called once per cold start. */
async function readSecret(client: SecretsManagerClient, secretId: string): Promise<string> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!result.SecretString) throw new ConfigError(`secret ${secretId} has no string value`);
  return result.SecretString;
}

/** What every function needs: the table, SES sending and the configuration; no raw mail, no key. */
export type AwsCoreDeps = Pick<InboundDeps, 'store' | 'sender' | 'config' | 'now'>;

/**
 * Builds the store, the SES sender and the configuration from the validated Lambda environment. The
 * delivery-events function runs on these alone: its role may not read raw mail or the reply-token key.
 */
export function buildAwsCoreDeps(env: CoreLambdaEnv): AwsCoreDeps {
  const region = env.AWS_REGION;
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    store: new DynamoDbSupportStore({ client: doc, tableName: env.TABLE_NAME }),
    sender: new SesMailSender({
      client: new SESv2Client({ region }),
      region,
      configurationSetName: env.SES_CONFIGURATION_SET,
    }),
    config: parseConfig(JSON.parse(env.SPOC_CONFIG_JSON), 'SPOC_CONFIG_JSON'),
    now: () => new Date(),
  };
}

/** Builds the inbound dependencies: the core ones, the raw mail bucket and the reply-token key. */
export async function buildAwsInboundDeps(env: LambdaEnv): Promise<InboundDeps> {
  const region = env.AWS_REGION;
  const replyTokenSecret = await readSecret(new SecretsManagerClient({ region }), env.REPLY_TOKEN_SECRET_ID);
  return {
    ...buildAwsCoreDeps(env),
    rawMail: new S3RawMailStore({ client: new S3Client({ region }), bucket: env.RAW_MAIL_BUCKET }),
    replyTokenSecret,
  };
}
