import type { OutgoingMail } from '../ports/mail-sender.js';
import type { SentMailRecord } from '../ports/support-store.js';
import type { InboundDeps } from './inbound-deps.js';

/**
 * Sends a mail at most once per key: a retried step finds the record and does not send again.
 *
 * This is the one place a duplicate send remains possible: if the process dies after the transport
 * accepted the mail and before `recordSentMail` is written, the retry sends it again. No transport
 * offers an idempotency key that would close that window, so it is kept as narrow as one write.
 */
export async function sendOnce(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'now'>,
  key: string,
  mail: OutgoingMail,
  options: SendOnceOptions = {},
): Promise<SentMailRecord> {
  // On the first attempt at an inbound mail nothing can have been sent for it yet: no lookup needed.
  const existing = options.firstAttempt ? undefined : await deps.store.getSentMail(key);
  if (existing) {
    await options.afterSend?.(existing);
    return existing;
  }
  const receipt = await deps.sender.send(mail);
  const record: SentMailRecord = {
    key,
    messageId: mail.messageId,
    ...(receipt.providerMessageId === undefined ? {} : { providerMessageId: receipt.providerMessageId }),
    sentAt: deps.now().toISOString(),
  };
  // The record and the caller's follow-up writes are independent, so they go out together; the record
  // is always awaited before any error is thrown, so a failed follow-up never causes a second send.
  const [recorded, after] = await Promise.allSettled([
    deps.store.recordSentMail(record),
    options.afterSend?.(record),
  ]);
  if (recorded.status === 'rejected') throw recorded.reason;
  if (after.status === 'rejected') throw after.reason;
  return record;
}

/** Options of {@link sendOnce}. */
export interface SendOnceOptions {
  /** The inbound mail's first attempt (see `InboundNotice.firstAttempt`): skips the earlier-send lookup. */
  firstAttempt?: boolean;
  /** Idempotent writes that need the sent mail's ids; run alongside the sent-mail record. */
  afterSend?: (record: SentMailRecord) => Promise<unknown>;
}

/** The Message-ID the recipient's client will see (the provider's, when it rewrote ours). */
export function visibleMessageId(record: SentMailRecord): string {
  return record.providerMessageId ?? record.messageId;
}

/** Every Message-ID a sent mail is known by, for threading replies to it. */
export function allMessageIds(record: SentMailRecord): string[] {
  return record.providerMessageId ? [record.messageId, record.providerMessageId] : [record.messageId];
}
