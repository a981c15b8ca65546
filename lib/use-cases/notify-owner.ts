import { createHash } from 'node:crypto';
import type { SpocConfig } from '../config/config-schema.js';
import { deliverMail } from '../delivery/deliver-mail.js';
import type { MailDelivery } from '../delivery/delivery-plan.js';
import { domainOf } from '../domain/mail-address.js';
import type { Owner } from '../domain/types.js';
import { buildOwnerNotice } from '../mail/owner-notice.js';
import type { SentMailRecord } from '../ports/support-store.js';
import type { InboundDeps } from './inbound-deps.js';

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

/** Pure: the mail that tells `owner` the notice, sent once under its key. */
export function ownerNoticeDelivery(
  config: Pick<SpocConfig, 'supportAddress' | 'supportName'>,
  owner: Pick<Owner, 'email' | 'name'>,
  notice: OwnerNotice,
): MailDelivery {
  const sendKey = noticeSendKey(notice.key);
  const { supportAddress, supportName } = config;
  const digest = createHash('sha256').update(sendKey).digest('hex').slice(0, 24);
  const messageId = `<notice.${digest}@${domainOf(supportAddress)}>`;
  return {
    key: sendKey,
    mail: {
      compose: buildOwnerNotice({
        owner: { address: owner.email, name: owner.name },
        supportAddress,
        supportName,
        subject: notice.subject,
        paragraphs: notice.paragraphs,
        messageId,
      }),
      envelope: { from: supportAddress, to: [owner.email] },
      messageId,
    },
  };
}

/**
 * Reads what a notice needs and returns its delivery: `undefined` when it was sent before (every further
 * message with the same key sends nothing more) or the owner no longer exists (nobody to tell).
 */
export async function readOwnerNotice(
  deps: Pick<InboundDeps, 'store' | 'config'>,
  notice: OwnerNotice,
): Promise<MailDelivery | undefined> {
  if (await deps.store.getSentMail(noticeSendKey(notice.key))) return undefined;
  const owner = await deps.store.getOwner(notice.ownerEmail);
  return owner ? ownerNoticeDelivery(deps.config, owner, notice) : undefined;
}

/**
 * Tells an owner something once, through the delivery module, so retries, repeated deliveries and every
 * further message with the same key send nothing more: read, plan and deliver in one call, for a path
 * that only tells (a bounce or complaint). An inbound plan names its notices with {@link readOwnerNotice}. Returns `undefined` when
 * the owner no longer exists (nobody to tell).
 */
export async function notifyOwner(
  deps: Pick<InboundDeps, 'store' | 'sender' | 'now' | 'config'>,
  notice: OwnerNotice,
): Promise<SentMailRecord | undefined> {
  const earlier = await deps.store.getSentMail(noticeSendKey(notice.key));
  if (earlier) return earlier;
  const owner = await deps.store.getOwner(notice.ownerEmail);
  if (!owner) return undefined;
  return deliverMail(deps, ownerNoticeDelivery(deps.config, owner, notice));
}
