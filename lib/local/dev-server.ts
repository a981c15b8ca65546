import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SpocConfig } from '../config/config-schema.js';
import { isOnReplyDomain } from '../domain/reply-token.js';
import { createInboundBatchHandler } from '../handlers/inbound-batch.js';
import type { MailSender } from '../ports/mail-sender.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import { startEmbeddedEngines } from './embedded-engines.js';
import { createLocalDeps, createLocalSender } from './local-deps.js';
import { loadOrCreateLocalSecret } from './local-secret.js';
import { type AcceptedMail, startSmtpInbound } from './smtp-inbound-server.js';
import { newInboundId, synthesizeSesEvent } from './synthesize-ses-event.js';

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
}

/** A running local mode. */
export interface DevServer {
  smtpPort: number;
  deps: InboundDeps;
  endpoints: { dynamodb: string; s3: string };
  close(): Promise<void>;
}

/** File in the data directory that tells other `spoc` commands where a running dev server's engines are. */
export const DEV_SERVER_STATE_FILE = 'dev-server.json';

/** Times a locally received mail is run through the handler before it is left for a later resume. */
const LOCAL_ATTEMPTS = 3;

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Starts local mode: dynalite and s3rver in-process with data under `dataDir`, the SMTP entry, and the
 * same inbound handler the Lambda runs, fed with synthesized SES notifications.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
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
    ...(options.now ? { now: options.now } : {}),
  });
  await seedOwners(deps);
  const handle = createInboundBatchHandler(() => Promise.resolve(deps), logger);

  const receive = async (mail: AcceptedMail): Promise<void> => {
    const receivedAt = deps.now();
    const inboundId = newInboundId(receivedAt);
    const rawKey = `inbound/${inboundId}`;
    // Stored before anything else: from here on the mail cannot be lost, whatever happens next.
    await deps.rawMail.putRaw(rawKey, mail.raw);
    const event = synthesizeSesEvent({
      inboundId,
      rawKey,
      bucket: engines.bucket,
      envelopeFrom: mail.envelopeFrom,
      recipients: mail.recipients,
      receivedAt,
      verdict: isLoopback(mail.remoteAddress) ? 'PASS' : 'NOT_AVAILABLE',
    });
    for (let attempt = 1; attempt <= LOCAL_ATTEMPTS; attempt += 1) {
      const result = await handle(event).catch((error: unknown) => {
        logger.warn('inbound attempt failed', { inboundId, attempt, error: String(error) });
        return undefined;
      });
      if (result && result.batchItemFailures.length === 0) return;
    }
    logger.error('inbound left unfinished; its raw mail is stored', { inboundId, rawKey });
  };

  const smtp = await startSmtpInbound({
    host,
    port: options.smtpPort,
    maxBytes: options.config.limits.maxMessageBytes,
    acceptsRecipient: (address) =>
      address.toLowerCase() === options.config.supportAddress ||
      isOnReplyDomain(address, options.config.replyDomain),
    onMail: receive,
    onError: (error) => logger.error('smtp error', { error: String(error) }),
  }).catch(async (error: unknown) => {
    await engines.close();
    throw error;
  });

  const stateFile = join(options.dataDir, DEV_SERVER_STATE_FILE);
  await writeFile(
    stateFile,
    JSON.stringify({ pid: process.pid, smtpPort: smtp.port, endpoints: engines.endpoints }),
  );
  let closing: Promise<void> | undefined;
  return {
    smtpPort: smtp.port,
    deps,
    endpoints: engines.endpoints,
    close: () => {
      closing ??= (async () => {
        await smtp.close();
        await rm(stateFile, { force: true });
        await engines.close();
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
