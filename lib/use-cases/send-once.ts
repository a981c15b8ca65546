import { randomUUID } from 'node:crypto';
import { isTransientAwsError } from '../adapters/aws-errors.js';
import { SendNotTakenError } from '../domain/errors.js';
import type { OutgoingMail } from '../ports/mail-sender.js';
import type { SentMailRecord } from '../ports/support-store.js';
import type { InboundDeps } from './inbound-deps.js';

/**
 * How long one attempt holds the right to send a mail. A redelivery of the same message processed at
 * the same time (SNS and SQS both deliver at least once) waits for the lease instead of sending too;
 * an attempt that died holding it is taken over after this. The queue's visibility timeout must be
 * longer, so a retried record finds the lease run out (or the mail recorded).
 */
export const SEND_LEASE_MS = 5 * 60 * 1000;

/** Another attempt is sending this mail right now; the record is retried later and finds it sent. */
export class SendInProgressError extends Error {
  override readonly name = 'SendInProgressError';
}

/**
 * Sends a mail at most once per key: a retried step finds the record and does not send again, and a
 * concurrent attempt at the same key finds the lease taken and backs off.
 *
 * DUPLICATE WINDOW — the only place in the product where a mail can be sent twice: if the process dies
 * after the transport accepted the mail and before its record (`recordSentMail`, or the inbound
 * message's `recordRelay`/`recordOutcome`) is written (or that write fails, or
 * the transport accepted but its answer was lost), the retry sends it again. SES offers no idempotency key that would close
 * this window, so it is kept as narrow as one write. Every other step before and after is repeatable
 * without a second send (see test/e2e/crash-at-each-step.test.ts).
 */
export async function sendOnce(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'now'>,
  key: string,
  mail: OutgoingMail,
  options: SendOnceOptions = {},
): Promise<SentMailRecord> {
  const relay = options.inboundRelay;
  // On the first attempt at an inbound mail nothing can have been sent for it yet: no lookup needed.
  const existing = relay
    ? relay.existing
    : options.firstAttempt
      ? undefined
      : await deps.store.getSentMail(key);
  if (existing) {
    await options.afterSend?.(existing);
    return existing;
  }
  const holder = randomUUID();
  if (!relay) {
    const now = deps.now().getTime();
    if (!(await deps.store.claimSendLease(key, holder, now, now + SEND_LEASE_MS))) {
      throw new SendInProgressError(`mail ${key} is being sent by another attempt`);
    }
    // An attempt that held the lease before may have finished in between (never so on a first attempt:
    // a concurrent redelivery is a later attempt and would still hold the lease).
    const finished = options.firstAttempt ? undefined : await deps.store.getSentMail(key);
    if (finished) {
      await options.afterSend?.(finished);
      return finished;
    }
  }
  relay?.onSending();
  let receipt: Awaited<ReturnType<typeof deps.sender.send>>;
  try {
    receipt = await deps.sender.send(mail);
  } catch (error) {
    // A refused send (throttling, a relay down) may be retried at once, not only after the lease.
    if (!relay) await deps.store.releaseSendLease(key, holder).catch(() => undefined);
    // A relay the provider did not take went nowhere: its attempt may free the message for a retry.
    else if (error instanceof SendNotTakenError) relay.onRecorded();
    throw error;
  }
  // ── duplicate window: from here until the record has been written ──
  const record: SentMailRecord = {
    key,
    messageId: mail.messageId,
    ...(receipt.providerMessageId === undefined ? {} : { providerMessageId: receipt.providerMessageId }),
    sentAt: deps.now().toISOString(),
  };
  // The record and the caller's follow-up writes are independent, so they go out together; the record
  // is always awaited before any error is thrown, so a failed follow-up never causes a second send.
  const [recorded, after] = await Promise.allSettled([
    recordPersistently(() => (relay ? relay.record(record) : deps.store.recordSentMail(record))),
    options.afterSend?.(record),
  ]);
  if (recorded.status === 'rejected') throw recorded.reason;
  relay?.onRecorded();
  if (after.status === 'rejected') {
    await relay?.afterSendFailed?.().catch(() => undefined);
    throw after.reason;
  }
  return record;
}

/** Attempts at the sent-mail record beyond the SDK's own retries, and the pause before the first. */
const RECORD_ATTEMPTS = 5;
const RECORD_FIRST_PAUSE_MS = 50;

/**
 * The sent-mail record is the one write whose loss means a second send, so it is retried harder than
 * the rest (which the queue retries): a throttled or failing table has to refuse it five times over,
 * with growing pauses, before the window opens.
 */
async function recordPersistently(write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= RECORD_ATTEMPTS || !isTransientAwsError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, RECORD_FIRST_PAUSE_MS * 2 ** (attempt - 1)));
    }
  }
}

/** Options of {@link sendOnce}. */
export interface SendOnceOptions {
  /** The inbound mail's first attempt (see `InboundNotice.firstAttempt`): skips the earlier-send lookup. */
  firstAttempt?: boolean;
  /** Idempotent writes that need the sent mail's ids; run alongside the sent-mail record. */
  afterSend?: (record: SentMailRecord) => Promise<unknown>;
  /**
   * The inbound message's own relay: the claim's lease guards it (no lease of its own), and its record
   * lives on the inbound record (`existing` comes from the claim, `record` writes it, possibly with the
   * outcome). `afterSendFailed` undoes what `record` ended when the follow-up writes failed.
   */
  inboundRelay?: {
    existing?: SentMailRecord;
    record: (record: SentMailRecord) => Promise<void>;
    /** Right before the mail goes to the sender, and once its record is written. */
    onSending: () => void;
    onRecorded: () => void;
    afterSendFailed?: () => Promise<void>;
  };
}

/** The Message-ID the recipient's client will see (the provider's, when it rewrote ours). */
export function visibleMessageId(record: SentMailRecord): string {
  return record.providerMessageId ?? record.messageId;
}

/** Every Message-ID a sent mail is known by, for threading replies to it. */
export function allMessageIds(record: SentMailRecord): string[] {
  return record.providerMessageId ? [record.messageId, record.providerMessageId] : [record.messageId];
}
