import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3RawMailStore } from '../adapters/s3/s3-raw-mail-store.js';
import { withoutSdkLogging } from '../adapters/without-sdk-logging.js';
import type { SpocConfig } from '../config/config-schema.js';
import { ConfigError } from '../domain/errors.js';
import { parseReplyTokenKeys } from '../domain/reply-token.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import type { SweepDeps } from '../use-cases/sweep-promises.js';
import { AwsComposition } from './aws-composition.js';

/**
 * The composition with the raw-mail bucket and the reply-token key: what the inbound function and the
 * commands that send or read mail run on.
 */
export class AwsInboundComposition extends AwsComposition {
  private s3Client?: S3Client;
  private secretsClient?: SecretsManagerClient;
  private rawMailInstance?: S3RawMailStore;
  private secretValue?: Promise<string>;

  get s3(): S3Client {
    if (!this.s3Client) {
      this.s3Client = withoutSdkLogging(
        new S3Client({
          ...this.clientOptions,
          // The SDK's default checksums every call it can: CRC32 over each byte of each raw mail read, on
          // a connection TLS already protects. The one put (mail that came inline in its notification)
          // still carries its body's SHA-256 in the signature, which S3 checks, and no call made here is
          // one S3 requires a checksum for.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
      );
      this.extraClients.push(this.s3Client);
    }
    return this.s3Client;
  }

  get secrets(): SecretsManagerClient {
    if (!this.secretsClient) {
      this.secretsClient = withoutSdkLogging(new SecretsManagerClient(this.clientOptions));
      this.extraClients.push(this.secretsClient);
    }
    return this.secretsClient;
  }

  get rawMail(): S3RawMailStore {
    const bucket = this.require('rawMailBucket', 'no raw-mail bucket');
    this.rawMailInstance ??= new S3RawMailStore({ client: this.s3, bucket });
    return this.rawMailInstance;
  }

  /** The reply-token secret's value, read once. A failed read is retried on the next call. */
  replyTokenSecret(): Promise<string> {
    const secretId = this.require('replyTokenSecretId', 'no reply-token secret');
    this.secretValue ??= readSecret(this.secrets, secretId).catch((error: unknown) => {
      this.secretValue = undefined;
      throw error;
    });
    return this.secretValue;
  }

  /** What the promise-step function runs on: the store, SES, the configuration and the reply-token key. */
  async sweepDeps(config: SpocConfig): Promise<SweepDeps> {
    return {
      store: this.store,
      sender: this.sender,
      config,
      replyTokenSecret: await this.replyTokenSecret(),
    };
  }

  /** What the inbound function and the mail-sending commands run on. */
  async inboundDeps(config: SpocConfig): Promise<InboundDeps> {
    return {
      ...this.coreDeps(config),
      rawMail: this.rawMail,
      replyTokenSecret: await this.replyTokenSecret(),
    };
  }
}

async function readSecret(client: SecretsManagerClient, secretId: string): Promise<string> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!result.SecretString) throw new ConfigError(`secret ${secretId} has no string value`);
  // A malformed value fails here, at start, rather than on the first mail.
  parseReplyTokenKeys(result.SecretString);
  return result.SecretString;
}
