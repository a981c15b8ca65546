import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { S3RawMailStore } from '../../lib/adapters/s3/s3-raw-mail-store.js';
import type { SpocConfigInput } from '../../lib/config/config-schema.js';
import { parseConfig } from '../../lib/config/load-config.js';
import type { ReceiptVerdicts } from '../../lib/domain/route-inbound.js';
import { createInboundBatchHandler, type ThrottleHandling } from '../../lib/handlers/inbound-batch.js';
import type { LocalClients } from '../../lib/local/embedded-engines.js';
import { type EmbeddedEngines, ensureTable } from '../../lib/local/embedded-engines.js';
import { createLocalDeps } from '../../lib/local/local-deps.js';
import { newInboundId, synthesizeSesEvent } from '../../lib/local/synthesize-ses-event.js';
import type { ParsedMail } from '../../lib/mail/mail-types.js';
import { parseMail } from '../../lib/mail/parse-mail.js';
import type { MailSender, OutgoingMail, SendReceipt } from '../../lib/ports/mail-sender.js';
import type { InboundDeps } from '../../lib/use-cases/inbound-deps.js';
import { TEST_CONFIG_INPUT } from './local-harness.js';
import { assertOutsiderSafe } from './privacy-check.js';

/** A mail a test sender accepted. */
export interface CapturedMail extends OutgoingMail {
  mail: ParsedMail;
}

/**
 * A sender that keeps every mail in memory and runs the privacy check on each one bound for a
 * non-owner: a leak throws at send time, so the use case fails and the test sees it.
 */
export class CapturingMailSender implements MailSender {
  readonly mails: CapturedMail[] = [];
  constructor(
    private readonly isOwner: (address: string) => boolean,
    private readonly replyDomain: string,
  ) {}

  async send(mail: OutgoingMail): Promise<SendReceipt> {
    const parsed = await parseMail(mail.raw, { maxHeaderBytes: 16 * 1024 * 1024 });
    if (!mail.envelope.to.every((to) => this.isOwner(to))) {
      assertOutsiderSafe(
        mail.raw,
        mail.envelope.from,
        { ownerAddresses: OWNER_ADDRESSES, replyDomain: this.replyDomain },
        `mail ${mail.messageId} to ${mail.envelope.to.join(', ')}`,
      );
    }
    this.mails.push({ ...mail, mail: parsed });
    return {};
  }

  /** Mails sent to one address. */
  to(address: string): CapturedMail[] {
    return this.mails.filter((m) => m.envelope.to.includes(address));
  }
}

export const OWNER_ADDRESSES = TEST_CONFIG_INPUT.owners.map((o) => o.email);
export const SECRET = 'test-secret-test-secret-test-secret';

/** What SES checked, all PASS unless overridden. */
export function verdicts(overrides: Partial<ReceiptVerdicts> = {}): ReceiptVerdicts {
  return { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS', ...overrides };
}

/** A fresh table on shared engines, real adapters, a capturing sender and the inbound Lambda handler. */
export class HandlerRig {
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  private clock = Date.parse('2026-11-23T10:00:00.000Z');
  /** Added to the wall clock the use cases see; {@link advance} moves it (lease expiry, visibility timeout). */
  static offsets = new WeakMap<InboundDeps, { ms: number }>();

  private constructor(
    readonly engines: EmbeddedEngines,
    readonly deps: InboundDeps,
    readonly sender: CapturingMailSender,
    readonly tableName: string,
    wrap: (deps: InboundDeps) => InboundDeps,
    logger: Logger = new Logger({ logLevel: 'SILENT' }),
    throttling?: ThrottleHandling,
  ) {
    const wrapped = wrap(deps);
    this.handler = createInboundBatchHandler(
      () => Promise.resolve(wrapped),
      logger,
      undefined,
      throttling,
    ) as (event: SQSEvent) => Promise<SQSBatchResponse>;
    // Mail is stored by SES before any notification exists: never through the clients under test.
    this.setupRaw = new S3RawMailStore({ client: engines.s3, bucket: engines.bucket });
  }
  /** The raw mail bucket through the engines' own client (no faults): what SES wrote. */
  readonly setupRaw: S3RawMailStore;

  /** `wrap` lets a test put fault or crash injection between the handler and the real adapters. */
  static async create(
    engines: EmbeddedEngines,
    options: {
      config?: Partial<SpocConfigInput>;
      wrap?: (deps: InboundDeps) => InboundDeps;
      /** Puts something between the use cases and the capturing sender (e.g. a flaky transport). */
      wrapSender?: (sender: CapturingMailSender) => MailSender;
      /** SDK clients the use cases run with (e.g. with faults injected); default the engines' own. */
      clients?: LocalClients;
      logger?: Logger;
      /** How the handler returns records whose send SES throttled (the Lambda's SQS visibility port). */
      throttling?: ThrottleHandling;
    } = {},
  ): Promise<HandlerRig> {
    const tableName = `t${Math.random().toString(36).slice(2, 12)}`;
    await ensureTable(engines.dynamodb, tableName);
    const config = parseConfig({ ...TEST_CONFIG_INPUT, ...options.config });
    const owners = new Set(config.owners.map((o) => o.email));
    const sender = new CapturingMailSender((a) => owners.has(a), config.replyDomain);
    const offset = { ms: 0 };
    const deps = createLocalDeps({
      clients: options.clients ?? engines,
      tableName,
      bucket: engines.bucket,
      config,
      replyTokenSecret: SECRET,
      sender: options.wrapSender ? options.wrapSender(sender) : sender,
      now: () => new Date(Date.now() + offset.ms),
    });
    HandlerRig.offsets.set(deps, offset);
    const createdAt = new Date().toISOString();
    await Promise.all(config.owners.map((owner) => deps.store.putOwner({ ...owner, createdAt })));
    return new HandlerRig(
      engines,
      deps,
      sender,
      tableName,
      options.wrap ?? ((d) => d),
      options.logger,
      options.throttling,
    );
  }

  /** Stores the raw mail as SES's S3 action would and returns the SQS record SNS would deliver. */
  async receive(
    raw: Buffer | string,
    envelope: { from: string; to: string[] },
    options: {
      verdicts?: Partial<ReceiptVerdicts>;
      inboundId?: string;
      receivedAt?: Date;
      authenticationResults?: string;
    } = {},
  ): Promise<{ record: SQSRecord; inboundId: string; rawKey: string }> {
    this.clock += 1000;
    const receivedAt = options.receivedAt ?? new Date(this.clock);
    const inboundId = options.inboundId ?? newInboundId(receivedAt);
    const rawKey = `inbound/${inboundId}`;
    const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    await this.setupRaw.putRaw(rawKey, bytes);
    return {
      record: sesRecord({
        inboundId,
        rawKey,
        bucket: this.engines.bucket,
        envelope,
        receivedAt,
        raw: bytes,
        ...options,
      }),
      inboundId,
      rawKey,
    };
  }

  /** Moves the use cases' clock forward, as the time a queue waits before redelivering. */
  advance(ms: number): void {
    const offset = HandlerRig.offsets.get(this.deps);
    if (offset) offset.ms += ms;
  }

  /** Runs records through the handler (one batch). */
  async run(...records: SQSRecord[]): Promise<SQSBatchResponse> {
    return runBatch(this.handler, records);
  }

  /** Receives and runs one mail; returns its recorded outcome. */
  async deliver(
    raw: Buffer | string,
    envelope: { from: string; to: string[] },
    options: { verdicts?: Partial<ReceiptVerdicts>; receivedAt?: Date; authenticationResults?: string } = {},
  ) {
    const { record, inboundId } = await this.receive(raw, envelope, options);
    const result = await this.run(record);
    const outcome = (await this.deps.store.getInbound(inboundId))?.outcome;
    return { inboundId, outcome, failed: result.batchItemFailures.length > 0 };
  }
}

/** The SQS record of an SES S3-action notification, with chosen verdicts. */
export function sesRecord(input: {
  inboundId: string;
  rawKey: string;
  bucket: string;
  envelope: { from: string; to: string[] };
  receivedAt: Date;
  verdicts?: Partial<ReceiptVerdicts>;
  /** Lists the mail's header fields in the notification, as SES does. */
  raw?: Buffer;
  /** SES's `Authentication-Results` in that list; default: aligned with the From domain. */
  authenticationResults?: string;
}): SQSRecord {
  const event = synthesizeSesEvent({
    inboundId: input.inboundId,
    rawKey: input.rawKey,
    bucket: input.bucket,
    envelopeFrom: input.envelope.from,
    recipients: input.envelope.to,
    receivedAt: input.receivedAt,
    verdict: 'PASS',
    ...(input.raw ? { raw: input.raw } : {}),
    ...(input.authenticationResults ? { authenticationResults: input.authenticationResults } : {}),
  });
  const record = event.Records[0] as SQSRecord;
  const sns = JSON.parse(record.body) as { Message: string };
  const notification = JSON.parse(sns.Message) as { receipt: Record<string, unknown> };
  const all = verdicts(input.verdicts);
  notification.receipt.spfVerdict = { status: all.spf };
  notification.receipt.dkimVerdict = { status: all.dkim };
  notification.receipt.dmarcVerdict = { status: all.dmarc };
  notification.receipt.spamVerdict = { status: all.spam };
  notification.receipt.virusVerdict = { status: all.virus };
  sns.Message = JSON.stringify(notification);
  return { ...record, messageId: `${input.inboundId}-sqs`, body: JSON.stringify(sns) };
}

/**
 * Runs one batch the way the Lambda service sees it: a batch whose every record failed is thrown whole
 * by Powertools (and retried whole by SQS); it is reported here as every record failed.
 */
export async function runBatch(
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  records: SQSRecord[],
): Promise<SQSBatchResponse> {
  try {
    return await handler({ Records: records });
  } catch (error) {
    if (error instanceof Error && error.name === 'FullBatchFailureError') {
      return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.messageId })) };
    }
    throw error;
  }
}
