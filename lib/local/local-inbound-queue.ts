import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { RawMailMissingError } from '../domain/errors.js';
import type { ReceiptVerdicts } from '../domain/route-inbound.js';
import type { RawMailStore } from '../ports/raw-mail-store.js';
import type { SupportStore } from '../ports/support-store.js';
import * as z from '../validation/zod-mini.js';
import type { AcceptedMail } from './smtp-inbound-server.js';
import { newInboundId, synthesizeSesEvent } from './synthesize-ses-event.js';

/** Times a locally received mail is run through the handler before it is left for the next start. */
const LOCAL_ATTEMPTS = 3;

/** Inbound ids as SES and local mode ({@link newInboundId}) give them: letters and digits. */
const INBOUND_ID = /^[0-9A-Za-z]{1,128}$/;

/** Whether `id` can name an inbound mail; the empty id (what a crashed marker named) never can. */
export function isLocalInboundId(id: string): boolean {
  return INBOUND_ID.test(id);
}

const envelopeSchema = z.object({
  envelopeFrom: z.string(),
  recipients: z.array(z.string()),
  remoteAddress: z.string(),
  receivedAt: z.iso.datetime(),
  /** Verdicts the mail named for itself (`SPOC_LOCAL_VERDICTS=header`), kept so a resume uses them too. */
  verdicts: z.optional(z.record(z.string(), z.string())),
});

/** The SMTP envelope of a stored mail, kept next to it so processing can resume after a crash. */
type StoredEnvelope = z.infer<typeof envelopeSchema>;

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Local mode's stand-in for SES → S3 → SNS → SQS: stores each accepted mail durably, then runs it through
 * the inbound handler; after a crash, `resume` runs every stored mail that has no recorded outcome.
 *
 * Keys in the raw mail store: `inbound/<id>` (the raw mail, as in AWS), `envelope/<id>.json` (written
 * before it, so every raw mail has its envelope), `received/<hash>` (written first, names the id of a
 * mail with these exact bytes and envelope: a client that resends because it never saw our answer gets
 * that one mail, not a second one).
 */
export class LocalInboundQueue {
  constructor(
    private readonly input: {
      rawMail: RawMailStore;
      store: SupportStore;
      bucket: string;
      handle: (event: SQSEvent) => Promise<SQSBatchResponse>;
      logger: Logger;
      now: () => Date;
    },
  ) {}

  /**
   * Stores the mail (durably, before returning) and processes it; resolves when processing ended.
   *
   * The marker naming the id is written first, then the envelope, then the raw mail. A crash anywhere in
   * between leaves a mail the client was never told was accepted, so it sends it again; the resend finds
   * the marker, stores whatever is missing under the same id and goes on with that one mail. Whatever
   * was stored completely is also resumed on the next start; either way it is processed once.
   */
  async receive(mail: AcceptedMail): Promise<void> {
    const key = fingerprint(mail);
    // The same mail on two connections at once: the second waits for the first and finds its marker.
    const earlierArrival = this.inFlight.get(key);
    const done = (earlierArrival ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.receiveOnce(mail, key));
    this.inFlight.set(key, done);
    try {
      await done;
    } finally {
      if (this.inFlight.get(key) === done) this.inFlight.delete(key);
    }
  }

  private readonly inFlight = new Map<string, Promise<void>>();

  private async receiveOnce(mail: AcceptedMail, key: string): Promise<void> {
    const { rawMail } = this.input;
    const markerKey = `received/${key}`;
    const earlier = await readOptional(rawMail, markerKey);
    let inboundId: string;
    let receivedAt: Date;
    // A marker cut short by a crash (empty, or part of an id) names no mail: it is written anew.
    const named = earlier?.toString('utf8');
    if (named !== undefined && isLocalInboundId(named)) {
      inboundId = named;
      if (await this.isStored(inboundId)) {
        // The stored copy may be cut short by the same crash; the resend carries the very same bytes.
        const stored = await readOptional(rawMail, `inbound/${inboundId}`);
        if (!stored?.equals(mail.raw)) await rawMail.putRaw(`inbound/${inboundId}`, mail.raw);
        await this.process(inboundId);
        return;
      }
      receivedAt = this.input.now();
    } else {
      receivedAt = this.input.now();
      inboundId = newInboundId(receivedAt);
      await rawMail.putRaw(markerKey, Buffer.from(inboundId));
    }
    const envelope: StoredEnvelope = {
      envelopeFrom: mail.envelopeFrom,
      recipients: mail.recipients,
      remoteAddress: mail.remoteAddress,
      receivedAt: receivedAt.toISOString(),
      ...(mail.verdicts && Object.keys(mail.verdicts).length > 0 ? { verdicts: mail.verdicts } : {}),
    };
    await rawMail.putRaw(`envelope/${inboundId}.json`, Buffer.from(JSON.stringify(envelope)));
    // From here on the mail cannot be lost: a restart resumes it.
    await rawMail.putRaw(`inbound/${inboundId}`, mail.raw);
    await this.process(inboundId);
  }

  private async isStored(inboundId: string): Promise<boolean> {
    const key = `inbound/${inboundId}`;
    return (await this.input.rawMail.listKeys(key)).includes(key);
  }

  /** Processes every stored mail without a recorded outcome, oldest first; returns how many. */
  async resume(): Promise<number> {
    const keys = await this.input.rawMail.listKeys('inbound/');
    let resumed = 0;
    for (const key of keys) {
      const stored = key.slice('inbound/'.length);
      const inboundId = isLocalInboundId(stored) ? stored : await this.adopt(stored);
      if (inboundId === undefined) continue;
      const record = await this.input.store.getInbound(inboundId);
      if (record?.outcome) continue;
      resumed += 1;
      await this.process(inboundId);
    }
    return resumed;
  }

  /**
   * A mail stored under an id no notification may carry (an earlier version stored a resend under the
   * empty id its crashed marker named): copied, with its envelope, under a new id, then the damaged keys
   * are removed. Returns the new id, or `undefined` when the mail has no envelope (left as it is).
   */
  private async adopt(damagedId: string): Promise<string | undefined> {
    const { rawMail, logger } = this.input;
    const envelope = await readOptional(rawMail, `envelope/${damagedId}.json`);
    const raw = await readOptional(rawMail, `inbound/${damagedId}`);
    if (!envelope || !raw) {
      logger.error('stored mail with a damaged id has no envelope; left as it is', { damagedId });
      return undefined;
    }
    const inboundId = newInboundId(this.input.now());
    await rawMail.putRaw(`envelope/${inboundId}.json`, envelope);
    await rawMail.putRaw(`inbound/${inboundId}`, raw);
    await rawMail.deleteRaw(`inbound/${damagedId}`);
    await rawMail.deleteRaw(`envelope/${damagedId}.json`);
    logger.warn('stored mail with a damaged id stored again under a new id', { damagedId, inboundId });
    return inboundId;
  }

  private async process(inboundId: string): Promise<void> {
    if (!isLocalInboundId(inboundId))
      throw new Error(`refusing to process inbound id ${JSON.stringify(inboundId)}`);
    const record = await this.input.store.getInbound(inboundId);
    if (record?.outcome) return;
    const stored = await readOptional(this.input.rawMail, `envelope/${inboundId}.json`);
    if (!stored) {
      this.input.logger.error('stored mail has no envelope; left unprocessed', { inboundId });
      return;
    }
    let envelope: StoredEnvelope;
    try {
      envelope = envelopeSchema.parse(JSON.parse(stored.toString('utf8')));
    } catch (error) {
      this.input.logger.error('stored mail has a damaged envelope; left unprocessed', {
        inboundId,
        error: String(error),
      });
      return;
    }
    const raw = await readOptional(this.input.rawMail, `inbound/${inboundId}`);
    const event = synthesizeSesEvent({
      inboundId,
      rawKey: `inbound/${inboundId}`,
      bucket: this.input.bucket,
      envelopeFrom: envelope.envelopeFrom,
      recipients: envelope.recipients,
      receivedAt: new Date(envelope.receivedAt),
      verdict: isLoopback(envelope.remoteAddress) ? 'PASS' : 'NOT_AVAILABLE',
      ...(envelope.verdicts ? { verdicts: envelope.verdicts as Partial<ReceiptVerdicts> } : {}),
      ...(raw ? { raw } : {}),
    });
    const attemptsKey = `attempts/${inboundId}`;
    const earlier = Number((await readOptional(this.input.rawMail, attemptsKey))?.toString('utf8')) || 0;
    for (let attempt = 1; attempt <= LOCAL_ATTEMPTS; attempt += 1) {
      // Counted before the attempt, as SQS counts a receive: a crash of the whole process counts too,
      // so a mail that keeps crashing it ends quarantined instead of being resumed on every start.
      const receiveCount = earlier + attempt;
      await this.input.rawMail.putRaw(attemptsKey, Buffer.from(String(receiveCount)));
      const record = event.Records[0];
      if (record) record.attributes.ApproximateReceiveCount = String(receiveCount);
      const result = await this.input.handle(event).catch((error: unknown) => {
        this.input.logger.warn('inbound attempt failed', { inboundId, attempt, error: String(error) });
        return undefined;
      });
      if (result && result.batchItemFailures.length === 0) {
        await this.input.rawMail.deleteRaw(attemptsKey);
        return;
      }
    }
    this.input.logger.error('inbound left unfinished; it is resumed on the next start', { inboundId });
  }
}

/** The name of a mail's `received/` marker: its envelope and bytes, hashed. */
export function fingerprint(mail: AcceptedMail): string {
  return createHash('sha256')
    .update(JSON.stringify([mail.envelopeFrom, mail.recipients]))
    .update(mail.raw)
    .digest('hex');
}

async function readOptional(rawMail: RawMailStore, key: string): Promise<Buffer | undefined> {
  try {
    return await rawMail.getRaw(key);
  } catch (error) {
    if (error instanceof RawMailMissingError) return undefined;
    throw error;
  }
}
