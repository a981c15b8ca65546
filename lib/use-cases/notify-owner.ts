import { createHash } from 'node:crypto';
import { domainOf } from '../domain/mail-address.js';
import { composeMail } from '../mail/compose-mail.js';
import { buildOwnerNotice } from '../mail/owner-notice.js';
import type { SentMailRecord } from '../ports/support-store.js';
import type { InboundDeps } from './inbound-deps.js';
import { sendOnce } from './send-once.js';

/** One notice to an owner; `key` decides how often it can be sent (once per key, ever). */
export interface OwnerNotice {
  /** Deterministic key, e.g. `rate-limited:<sender>:<hour>` or `owner-side:<conversation>:<reason>`. */
  key: string;
  ownerEmail: string;
  subject: string;
  paragraphs: string[];
}

/** The sent-mail key a notice is recorded under. */
export function noticeSendKey(key: string): string {
  return `notice:${key}`;
}

/**
 * Tells an owner something once: the notice is sent through {@link sendOnce} under its key, so retries,
 * repeated deliveries and every further message with the same key send nothing more. Returns
 * `undefined` when the owner no longer exists (nobody to tell).
 */
export async function notifyOwner(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'now' | 'config'>,
  notice: OwnerNotice,
): Promise<SentMailRecord | undefined> {
  const sendKey = noticeSendKey(notice.key);
  const earlier = await deps.store.getSentMail(sendKey);
  if (earlier) return earlier;
  const owner = await deps.store.getOwner(notice.ownerEmail);
  if (!owner) return undefined;
  const { supportAddress, supportName } = deps.config;
  const digest = createHash('sha256').update(sendKey).digest('hex').slice(0, 24);
  const messageId = `<notice.${digest}@${domainOf(supportAddress)}>`;
  const raw = await composeMail(
    buildOwnerNotice({
      owner: { address: owner.email, name: owner.name },
      supportAddress,
      supportName,
      subject: notice.subject,
      paragraphs: notice.paragraphs,
      messageId,
    }),
  );
  return sendOnce(deps, sendKey, { raw, envelope: { from: supportAddress, to: [owner.email] }, messageId });
}
