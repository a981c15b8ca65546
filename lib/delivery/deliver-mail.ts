import { randomUUID } from 'node:crypto';
import { isTransientAwsError } from '../adapters/aws-errors.js';
import { composeMail } from '../mail/compose-mail.js';
import type { OutgoingMail } from '../ports/mail-sender.js';
import type { SentMailRecord } from '../ports/support-store.js';
import { applyStoreWrites } from './apply-store-writes.js';
import type { DeliveryDeps } from './delivery-deps.js';
import type { MailDelivery, MailDraft, StoreWrite } from './delivery-plan.js';
import { fitOwnerRelay } from './fit-owner-relay.js';

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

/** The ports a mail is delivered with; `rawMail` only for a relay that may have to be fitted. */
export type MailDeliveryDeps = Pick<DeliveryDeps, 'store' | 'sender' | 'now'> &
  Partial<Pick<DeliveryDeps, 'rawMail'>>;

/** Composes a drafted mail (fitted to what can be sent, for a relay of a received mail). */
export async function renderMail(deps: MailDeliveryDeps, draft: MailDraft): Promise<OutgoingMail> {
  let raw: Buffer;
  if (draft.fitFrom === undefined) raw = await composeMail(draft.compose);
  else if (deps.rawMail)
    raw = await fitOwnerRelay({ rawMail: deps.rawMail, now: deps.now }, draft.compose, draft.fitFrom);
  else throw new Error(`a relay of ${draft.fitFrom} needs the raw mail store to be fitted`);
  return { raw, envelope: draft.envelope, messageId: draft.messageId };
}

/**
 * Sends a mail at most once per key: a retried step finds the record and does not send again, and a
 * concurrent attempt at the same key finds the lease taken and backs off. The delivery's `afterSend`
 * writes go out beside the record (or again, idempotently, when an earlier attempt already sent it).
 *
 * DUPLICATE WINDOW — the only place in the product where a mail can be sent twice: if the process dies
 * after the transport accepted the mail and before its record (`recordSentMail` here, or the inbound
 * message's `recordRelay`/`recordOutcome` in `deliverInbound`) is written (or that write fails, or the
 * transport accepted but its answer was lost), the retry sends it again. SES offers no idempotency key
 * that would close this window, so it is kept as narrow as one write. Every other step before and
 * after is repeatable without a second send (see test/e2e/crash-at-each-step.test.ts).
 */
export async function deliverMail(
  deps: MailDeliveryDeps,
  delivery: MailDelivery,
  /** The inbound mail's first attempt: a key it owns cannot have been sent yet, so it is not looked up. */
  firstAttempt = false,
): Promise<SentMailRecord> {
  const { key } = delivery;
  const fresh = firstAttempt && delivery.ownedByInbound === true;
  const after = (sent: SentMailRecord) => applyStoreWrites(deps.store, delivery.afterSend?.(sent) ?? []);
  const existing = fresh ? undefined : await deps.store.getSentMail(key);
  if (existing) {
    await after(existing);
    return existing;
  }
  const holder = randomUUID();
  const now = deps.now().getTime();
  if (!(await deps.store.claimSendLease(key, holder, now, now + SEND_LEASE_MS))) {
    throw new SendInProgressError(`mail ${key} is being sent by another attempt`);
  }
  // An attempt that held the lease before may have finished in between (never so on a first attempt:
  // a concurrent redelivery is a later attempt and would still hold the lease).
  const finished = fresh ? undefined : await deps.store.getSentMail(key);
  if (finished) {
    await after(finished);
    return finished;
  }
  const result = await sendAndRecord(deps, key, await renderMail(deps, delivery.mail), {
    record: (record) => deps.store.recordSentMail(record),
    afterSend: delivery.afterSend,
  });
  if (result.ok) return result.sent;
  // A refused send (throttling, a relay down) may be retried at once, not only after the lease.
  if (result.failed === 'send') await deps.store.releaseSendLease(key, holder).catch(() => undefined);
  throw result.error;
}

/**
 * How {@link sendAndRecord} ended: sent and recorded, or the step that failed — the send (nothing went
 * out, unless the transport's answer was lost), the record (the mail went out unrecorded: the duplicate
 * window), or a write after it (the mail is sent and recorded).
 */
export type SendResult =
  | { ok: true; sent: SentMailRecord }
  | { ok: false; failed: 'send'; error: unknown }
  | { ok: false; failed: 'record'; error: unknown; sent: SentMailRecord }
  | { ok: false; failed: 'after-send'; error: unknown; sent: SentMailRecord };

/**
 * Sends one composed mail and writes its record beside the writes that need its ids. The record and
 * those writes are independent, so they go out together; the record is always awaited before a
 * failure is reported, so a failed follow-up never causes a second send.
 */
export async function sendAndRecord(
  deps: Pick<DeliveryDeps, 'store' | 'sender' | 'now'>,
  key: string,
  mail: OutgoingMail,
  after: {
    record: (record: SentMailRecord) => Promise<void>;
    afterSend?: ((sent: SentMailRecord) => StoreWrite[]) | undefined;
    /** Settled before the writes after the send start (the writes that store the message). */
    beside?: Promise<unknown>;
  },
): Promise<SendResult> {
  let receipt: Awaited<ReturnType<typeof deps.sender.send>>;
  try {
    receipt = await deps.sender.send(mail);
  } catch (error) {
    return { ok: false, failed: 'send', error };
  }
  // ── duplicate window: from here until the record has been written ──
  const sent: SentMailRecord = {
    key,
    messageId: mail.messageId,
    ...(receipt.providerMessageId === undefined ? {} : { providerMessageId: receipt.providerMessageId }),
    sentAt: deps.now().toISOString(),
  };
  const followUp = async () => {
    await after.beside?.catch(() => undefined);
    await applyStoreWrites(deps.store, after.afterSend?.(sent) ?? []);
  };
  const [recorded, followed] = await Promise.allSettled([
    recordPersistently(() => after.record(sent)),
    followUp(),
  ]);
  if (recorded.status === 'rejected') return { ok: false, failed: 'record', error: recorded.reason, sent };
  if (followed.status === 'rejected')
    return { ok: false, failed: 'after-send', error: followed.reason, sent };
  return { ok: true, sent };
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

/** The Message-ID the recipient's client will see (the provider's, when it rewrote ours). */
export function visibleMessageId(record: SentMailRecord): string {
  return record.providerMessageId ?? record.messageId;
}

/**
 * The Message-IDs to link a sent mail by, so a reply to it threads: only the one its recipients see. A
 * reply can only name that one; our own id, when the provider replaced it, is seen by nobody and its link
 * would cost a write per mail for nothing.
 */
export function linkedMessageIds(record: SentMailRecord): string[] {
  return [visibleMessageId(record)];
}
