import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSupportStore } from '../adapters/dynamodb/dynamodb-support-store.js';
import { SesMailSender } from '../adapters/ses/ses-mail-sender.js';
import { SqsDuePromiseQueue } from '../adapters/sqs/sqs-due-promise-queue.js';
import { withoutSdkLogging } from '../adapters/without-sdk-logging.js';
import type { SpocConfig } from '../config/config-schema.js';
import type { CoreLambdaEnv, LambdaEnv } from '../config/lambda-env.js';
import { ConfigError } from '../domain/errors.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';

/**
 * Where the deployed stack's parts are: the one set of settings every AWS entry point (the two Lambda
 * functions and each CLI command that reaches AWS) is wired from. Endpoints and credentials come from
 * the SDK's usual chain (`AWS_ENDPOINT_URL`, `AWS_PROFILE`, the function's role).
 */
export interface AwsSettings {
  /** Default: the SDK's (AWS_REGION, the profile). */
  region?: string;
  tableName: string;
  /** The raw-mail bucket; needed to read, store or locate raw mail. */
  rawMailBucket?: string;
  /** Secrets Manager secret (name or ARN) holding the reply-token key(s). */
  replyTokenSecretId?: string;
  /** SES configuration set every sent mail carries, so its bounces and complaints come back. */
  configurationSetName?: string;
}

/** The settings of a function, from its validated environment. */
export function awsSettingsFromLambdaEnv(env: CoreLambdaEnv & Partial<LambdaEnv>): AwsSettings {
  return {
    region: env.AWS_REGION,
    tableName: env.TABLE_NAME,
    configurationSetName: env.SES_CONFIGURATION_SET,
    // The delivery-events function has neither: its role may not read raw mail or the key.
    ...(env.RAW_MAIL_BUCKET ? { rawMailBucket: env.RAW_MAIL_BUCKET } : {}),
    ...(env.REPLY_TOKEN_SECRET_ID ? { replyTokenSecretId: env.REPLY_TOKEN_SECRET_ID } : {}),
  };
}

/**
 * The AWS side wired once: each client is created on first use and kept, each adapter is built from
 * those clients and the settings. Entry points take what they need from it and call {@link close}
 * when done (a Lambda never does: its container keeps the clients).
 *
 * This class holds what every entry point needs (table, SES sending); `AwsInboundComposition` adds the
 * raw-mail bucket and the reply-token key, `AwsOpsComposition` the operators' clients. Each part is its
 * own module only so a function's bundle carries no client it never uses.
 */
export class AwsComposition {
  readonly settings: AwsSettings;
  /** Options every client is created with (the CLI-only clients of `AwsOpsComposition` too). */
  protected readonly clientOptions: { region?: string };
  private dynamodbClient?: DynamoDBClient;
  private sesv2Client?: SESv2Client;
  /** Clients created by extensions, destroyed with the rest by {@link close}. */
  protected readonly extraClients: Array<{ destroy(): void }> = [];
  private storeInstance?: DynamoDbSupportStore;
  private senderInstance?: SesMailSender;
  private dueQueueClient?: SQSClient;

  constructor(settings: AwsSettings) {
    this.settings = settings;
    this.clientOptions = settings.region ? { region: settings.region } : {};
  }

  /** The DynamoDB client (also what `spoc doctor` reads the last processed mail with). */
  get dynamodb(): DynamoDBClient {
    this.dynamodbClient ??= withoutSdkLogging(new DynamoDBClient(this.clientOptions));
    return this.dynamodbClient;
  }

  get sesv2(): SESv2Client {
    this.sesv2Client ??= withoutSdkLogging(new SESv2Client(this.clientOptions));
    return this.sesv2Client;
  }

  /** The region the clients work in, as the SDK resolved it. */
  async region(): Promise<string> {
    return this.settings.region ?? (await this.dynamodb.config.region());
  }

  get store(): DynamoDbSupportStore {
    this.storeInstance ??= new DynamoDbSupportStore({
      client: DynamoDBDocumentClient.from(this.dynamodb, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: this.settings.tableName,
    });
    return this.storeInstance;
  }

  /** The SES sender; every mail it sends carries the configuration set. */
  get sender(): SesMailSender {
    const configurationSetName = this.require(
      'configurationSetName',
      'no SES configuration set: mail sent without it has its bounces and complaints lost',
    );
    this.senderInstance ??= new SesMailSender({
      client: this.sesv2,
      ...(this.settings.region ? { region: this.settings.region } : {}),
      configurationSetName,
    });
    return this.senderInstance;
  }

  /** The queue the promise sweep fills with due conversations (`PROMISE_QUEUE_URL`). */
  duePromiseQueue(queueUrl: string): SqsDuePromiseQueue {
    if (!this.dueQueueClient) {
      this.dueQueueClient = withoutSdkLogging(new SQSClient(this.clientOptions));
      this.extraClients.push(this.dueQueueClient);
    }
    return new SqsDuePromiseQueue(this.dueQueueClient, queueUrl);
  }

  /** What the delivery-events function runs on: table, SES sending and the configuration. */
  coreDeps(config: SpocConfig): AwsCoreDeps {
    return { store: this.store, sender: this.sender, config, now: () => new Date() };
  }

  /** Lets go of every client created. */
  close(): void {
    for (const client of [this.dynamodbClient, this.sesv2Client, ...this.extraClients]) {
      client?.destroy();
    }
  }

  protected require<K extends keyof AwsSettings>(setting: K, what: string): NonNullable<AwsSettings[K]> {
    const value = this.settings[setting];
    if (value === undefined || value === '') throw new ConfigError(`${what} (setting ${setting})`);
    return value as NonNullable<AwsSettings[K]>;
  }
}

/** What every function needs: the table, SES sending and the configuration; no raw mail, no key. */
export type AwsCoreDeps = Pick<InboundDeps, 'store' | 'sender' | 'config' | 'now'>;
