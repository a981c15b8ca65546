import { join } from 'node:path';
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
import type { AwsOpsComposition } from '../runtime/aws-ops-composition.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import type { CliIo } from './cli-io.js';
import { awsCompositionFor, awsWhere } from './open-aws.js';
import { runningDevServer } from './running-dev-server.js';

/** Flags that choose where a data command works: the local data directory or the deployed stack. */
export interface TargetFlags {
  table?: string;
  region?: string;
  bucket?: string;
  'secret-id'?: string;
  'configuration-set'?: string;
}

/** Everything a command that sends mail or reads raw mail works with, and how to let go of it. */
export interface OpenedDeps {
  deps: InboundDeps;
  /** The raw-mail bucket (for synthesized notifications on replay). */
  bucket: string;
  /** Where the data is, for messages to the user. */
  where: string;
  local: boolean;
  /** The AWS composition the deps come from, with `--table` (for the commands' other AWS needs). */
  aws?: AwsOpsComposition;
  close(): Promise<void>;
}

/**
 * Opens the full set of ports for commands that send mail (handoff, digest, command replays) or read
 * raw mail (replay, export, forget): locally the data directory's engines (through the running
 * `spoc dev`, or started for the command), the outbox and the local reply-token key; with `--table`
 * the deployed stack through the one AWS composition: the table, `--bucket`, SES in `--region` with the
 * configuration set (`--configuration-set` or `SPOC_SES_CONFIGURATION_SET`), and the key from Secrets
 * Manager (`--secret-id` or `SPOC_REPLY_TOKEN_SECRET_ID`). The config comes from `SPOC_CONFIG` (dev defaults locally).
 */
export async function openDeps(io: CliIo, flags: TargetFlags): Promise<OpenedDeps> {
  const settings = readLocalSettings(io.env, io.cwd);
  if (flags.table) {
    const aws = awsCompositionFor(
      io,
      { ...flags, table: flags.table },
      { bucket: true, secret: true, configurationSet: true },
    );
    try {
      const config = await loadConfigFile(settings.configPath);
      return {
        deps: await aws.inboundDeps(config),
        bucket: aws.settings.rawMailBucket ?? '',
        where: awsWhere(aws),
        local: false,
        aws,
        close: async () => aws.close(),
      };
    } catch (error) {
      aws.close();
      throw error;
    }
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
