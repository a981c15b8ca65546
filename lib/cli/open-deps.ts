import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSupportStore } from '../adapters/dynamodb/dynamodb-support-store.js';
import { S3RawMailStore } from '../adapters/s3/s3-raw-mail-store.js';
import { SesMailSender } from '../adapters/ses/ses-mail-sender.js';
import { DEV_DEFAULT_CONFIG, loadConfigFile } from '../config/load-config.js';
import {
  createLocalClients,
  DEFAULT_LOCAL_BUCKET,
  DEFAULT_LOCAL_TABLE_NAME,
  type LocalClients,
  startEmbeddedEngines,
} from '../local/embedded-engines.js';
import { createLocalDeps, createLocalSender } from '../local/local-deps.js';
import { loadOrCreateLocalSecret } from '../local/local-secret.js';
import { readLocalSettings } from '../local/local-settings.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import { type CliIo, UsageError } from './cli-io.js';
import { runningDevServer } from './running-dev-server.js';

/** Flags that choose where a data command works: the local data directory or the deployed stack. */
export interface TargetFlags {
  table?: string;
  region?: string;
  bucket?: string;
  'secret-id'?: string;
}

/** Everything a command that sends mail or reads raw mail works with, and how to let go of it. */
export interface OpenedDeps {
  deps: InboundDeps;
  /** The raw-mail bucket (for synthesized notifications on replay). */
  bucket: string;
  /** Where the data is, for messages to the user. */
  where: string;
  local: boolean;
  close(): Promise<void>;
}

/**
 * Opens the full set of ports for commands that send mail (handoff, digest, command replays) or read
 * raw mail (replay, export, forget): locally the data directory's engines (through the running
 * `spoc dev`, or started for the command), the outbox and the local reply-token key; with `--table`
 * the deployed table, `--bucket`, SES in `--region`, and the key from Secrets Manager (`--secret-id`
 * or `SPOC_REPLY_TOKEN_SECRET_ID`). The config comes from `SPOC_CONFIG` (dev defaults locally).
 */
export async function openDeps(io: CliIo, flags: TargetFlags): Promise<OpenedDeps> {
  const settings = readLocalSettings(io.env, io.cwd);
  if (flags.table) {
    const secretId = flags['secret-id'] ?? io.env.SPOC_REPLY_TOKEN_SECRET_ID;
    if (!flags.bucket) {
      throw new UsageError(
        'with --table, also give the raw-mail bucket: --bucket <name> (see the stack outputs)',
      );
    }
    if (!secretId) {
      throw new UsageError(
        'with --table, also give the reply-token secret: --secret-id <id> or SPOC_REPLY_TOKEN_SECRET_ID (see the stack outputs)',
      );
    }
    const region = flags.region ?? io.env.AWS_REGION;
    const regionOption = region ? { region } : {};
    const config = await loadConfigFile(settings.configPath);
    const dynamodb = new DynamoDBClient(regionOption);
    const s3 = new S3Client(regionOption);
    const ses = new SESv2Client(regionOption);
    const secrets = new SecretsManagerClient(regionOption);
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!secret.SecretString)
      throw new UsageError(`secret ${secretId} has no string value: check --secret-id`);
    const doc = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    return {
      deps: {
        store: new DynamoDbSupportStore({ client: doc, tableName: flags.table }),
        rawMail: new S3RawMailStore({ client: s3, bucket: flags.bucket }),
        sender: new SesMailSender({ client: ses, ...regionOption }),
        config,
        replyTokenSecret: secret.SecretString,
        now: () => new Date(),
      },
      bucket: flags.bucket,
      where: `table ${flags.table}${region ? ` in ${region}` : ''}`,
      local: false,
      close: async () => {
        for (const client of [dynamodb, s3, ses, secrets]) client.destroy();
      },
    };
  }

  const config = await loadConfigFile(settings.configPath, DEV_DEFAULT_CONFIG);
  const replyTokenSecret = await loadOrCreateLocalSecret(settings.dataDir);
  const running = runningDevServer(settings.dataDir);
  // Mail sent through a running server goes where that server's mail goes.
  const sender = running
    ? createLocalSender(running.outboxDir, running.smtpRelay)
    : createLocalSender(settings.outboxDir, settings.smtpRelay);
  let clients: LocalClients;
  let where = settings.dataDir;
  let close: () => Promise<void>;
  if (running) {
    const runningClients = createLocalClients(running.endpoints);
    clients = runningClients;
    where = `the running spoc dev (${settings.dataDir})`;
    close = async () => {
      runningClients.dynamodb.destroy();
      runningClients.s3.destroy();
    };
  } else {
    const engines = await startEmbeddedEngines({ dataDir: join(settings.dataDir, 'engines') });
    clients = engines;
    close = () => engines.close();
  }
  return {
    deps: createLocalDeps({
      clients,
      tableName: DEFAULT_LOCAL_TABLE_NAME,
      bucket: DEFAULT_LOCAL_BUCKET,
      config,
      replyTokenSecret,
      sender,
    }),
    bucket: DEFAULT_LOCAL_BUCKET,
    where,
    local: true,
    close,
  };
}
