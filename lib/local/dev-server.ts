import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SpocConfig } from '../config/config-schema.js';
import { isOnReplyDomain } from '../domain/reply-token.js';
import { createInboundBatchHandler } from '../handlers/inbound-batch.js';
import type { MailSender } from '../ports/mail-sender.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import { claimDataDir, releaseDataDir, writeDevServerState } from './dev-server-state.js';
import { startEmbeddedEngines } from './embedded-engines.js';
import { createLocalDeps, createLocalSender } from './local-deps.js';
import { LocalInboundQueue } from './local-inbound-queue.js';
import { loadOrCreateLocalSecret } from './local-secret.js';
import { DEFAULT_SWEEP_INTERVAL_MS, startSweepTimer } from './local-sweep-timer.js';
import { takeLocalVerdicts } from './local-verdicts.js';
import { startSmtpInbound } from './smtp-inbound-server.js';

/** Options of {@link startDevServer}. */
export interface DevServerOptions {
  config: SpocConfig;
  dataDir: string;
  outboxDir: string;
  smtpPort: number;
  smtpRelay?: string;
  host?: string;
  /** Replaces the outbox/relay sender (tests that count sends). */
  sender?: MailSender;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  now?: () => Date;
  /** `SPOC_LOCAL_VERDICTS=header`: each mail's `X-Spoc-Local-Verdicts` field sets its verdicts (tests, demos). */
  verdictsFromHeader?: boolean;
  /** How often the due promises are swept (`SPOC_SWEEP_INTERVAL_MS`); 0 turns the timer off. */
  sweepIntervalMs?: number;
}

/** A running local mode. */
export interface DevServer {
  smtpPort: number;
  deps: InboundDeps;
  endpoints: { dynamodb: string; s3: string };
  close(): Promise<void>;
}

export { DEV_SERVER_STATE_FILE } from './dev-server-state.js';

/** SES receiving refuses larger mail; the local SMTP entry does the same. */
const SES_MAX_RECEIVE_BYTES = 40 * 1024 * 1024;

/**
 * Starts local mode: dynalite and s3rver in-process with data under `dataDir`, the SMTP entry, and the
 * same inbound handler the Lambda runs, fed with synthesized SES notifications. Fails with
 * `DevServerRunningError` when another server holds `dataDir`.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  await claimDataDir(options.dataDir);
  try {
    return await startClaimed(options);
  } catch (error) {
    await releaseDataDir(options.dataDir);
    throw error;
  }
}

async function startClaimed(options: DevServerOptions): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = new Logger({ serviceName: 'spoc-dev', logLevel: options.logLevel ?? 'INFO' });
  const [engines, replyTokenSecret] = await Promise.all([
    startEmbeddedEngines({ dataDir: join(options.dataDir, 'engines'), host }),
    loadOrCreateLocalSecret(options.dataDir),
  ]);
  const deps = createLocalDeps({
    clients: engines,
    tableName: engines.tableName,
    bucket: engines.bucket,
    config: options.config,
    replyTokenSecret,
    sender: options.sender ?? createLocalSender(options.outboxDir, options.smtpRelay),
    rawMailDirectory: join(options.dataDir, 'engines', 's3'),
    ...(options.now ? { now: options.now } : {}),
  });
  await seedOwners(deps);
  const handle = createInboundBatchHandler(() => Promise.resolve(deps), logger);

  const queue = new LocalInboundQueue({
    rawMail: deps.rawMail,
    store: deps.store,
    bucket: engines.bucket,
    handle,
    logger,
    now: deps.now,
  });
  // One process handles all local mail: a send lease still in the table was taken by a process that
  // died, and waiting it out would hold the mail it guards for minutes.
  await deps.store.clearSendLeases().catch(async (error: unknown) => {
    await engines.close();
    throw error;
  });

  const smtp = await startSmtpInbound({
    host,
    port: options.smtpPort,
    // Mail over the relay limit is still received (up to what SES receives), so its owner can be told.
    maxBytes: Math.max(options.config.limits.maxMessageBytes, SES_MAX_RECEIVE_BYTES),
    acceptsRecipient: (address) =>
      address.toLowerCase() === options.config.supportAddress ||
      isOnReplyDomain(address, options.config.replyDomain),
    onMail: (mail) => {
      if (!options.verdictsFromHeader) return queue.receive(mail);
      // The field is taken out before the mail is stored: nothing downstream ever sees it.
      const { raw, verdicts } = takeLocalVerdicts(mail.raw);
      return queue.receive({ ...mail, raw, verdicts });
    },
    onError: (error) => logger.error('smtp error', { error: String(error) }),
  }).catch(async (error: unknown) => {
    await engines.close();
    throw error;
  });
  // Mail accepted before a crash is resumed in the background, after the SMTP entry listens: a stored
  // mail that is slow (or never ends) must not keep new mail out, nor a client waiting for an answer.
  const resuming = queue.resume().then(
    (resumed) => {
      if (resumed > 0) logger.info('resumed stored inbound mail', { resumed });
    },
    (error: unknown) => logger.error('resuming stored inbound mail failed', { error: String(error) }),
  );

  // Other commands send test mail to this port and write sent mail to this outbox, whatever their own
  // environment says.
  await writeDevServerState(options.dataDir, {
    pid: process.pid,
    smtpPort: smtp.port,
    outboxDir: options.outboxDir,
    ...(options.smtpRelay ? { smtpRelay: options.smtpRelay } : {}),
    endpoints: engines.endpoints,
  });
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const sweeps =
    sweepIntervalMs > 0
      ? startSweepTimer({ deps, now: deps.now, intervalMs: sweepIntervalMs, logger })
      : undefined;
  let closing: Promise<void> | undefined;
  return {
    smtpPort: smtp.port,
    deps,
    endpoints: engines.endpoints,
    close: () => {
      closing ??= (async () => {
        await smtp.close();
        await sweeps?.stop();
        await resuming;
        // Released only once the engines let go of the files, so a next server cannot open them early.
        await engines.close();
        await releaseDataDir(options.dataDir);
      })();
      return closing;
    },
  };
}

/** The config's owners seed an empty store; after that the store (and `spoc owner …`) is the truth. */
async function seedOwners(deps: InboundDeps): Promise<void> {
  const existing = await deps.store.listOwners();
  if (existing.length > 0) return;
  const createdAt = deps.now().toISOString();
  await Promise.all(deps.config.owners.map((owner) => deps.store.putOwner({ ...owner, createdAt })));
}
