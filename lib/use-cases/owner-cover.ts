import { PermanentFailureError } from '../domain/errors.js';
import { checkAway, coverState } from '../domain/owner-cover.js';
import type { Customer, Owner, OwnerAway } from '../domain/types.js';
import { buildAwayDigest } from '../mail/away-digest.js';
import { composeMail } from '../mail/compose-mail.js';
import type { ConversationWithMessages } from '../mail/conversation-history.js';
import { ownerByEmail } from './find-or-assign-owner.js';
import type { InboundDeps } from './inbound-deps.js';
import { sendOnce } from './send-once.js';

/** An absence that cannot be set as asked; the message says what to change. */
export class AwayRefusedError extends PermanentFailureError {
  override readonly name = 'AwayRefusedError';
}

type CoverDeps = Pick<InboundDeps, 'store' | 'sender' | 'config' | 'now'>;

/** Who receives an owner's customer mail now, and for whom they cover. */
export interface CoverRoute {
  recipient: Owner;
  coveringFor?: Owner;
}

/**
 * Routes an owner's customer mail: to the backup while the owner is away (when the backup is still an
 * active owner), else to the owner. An absence whose day has come is ended here first (the digest is
 * sent), so the first mail after the return already reaches the owner.
 */
export async function routeToCover(deps: CoverDeps, owner: Owner, owners?: Owner[]): Promise<CoverRoute> {
  const state = coverState(owner, deps.now());
  if (state.kind === 'returned') {
    await endAway(deps, owner.email);
    return { recipient: owner };
  }
  if (state.kind === 'present') return { recipient: owner };
  const backup = await ownerByEmail(deps, state.away.backupEmail, owners);
  if (!backup?.active) return { recipient: owner };
  return { recipient: backup, coveringFor: owner };
}

/** The backup whose replies are accepted for `owner`'s conversations right now, if any. */
export function activeCoverEmail(owner: Owner | undefined, now: Date): string | undefined {
  if (!owner) return undefined;
  const state = coverState(owner, now);
  return state.kind === 'covered' ? state.away.backupEmail : undefined;
}

/** Marks an owner away until a day (`YYYY-MM-DD`, UTC), with a backup owner. */
export async function setAway(
  deps: Pick<InboundDeps, 'store' | 'now'>,
  owner: Owner,
  until: string,
  backup: Owner | undefined,
): Promise<OwnerAway> {
  const now = deps.now();
  const problem = checkAway({ owner, backup, until, now });
  if (problem || !backup) throw new AwayRefusedError('away-refused', problem ?? 'no backup');
  const away: OwnerAway = {
    // Extending an absence keeps its start, so the digest still covers all of it.
    since: owner.away?.since ?? now.toISOString(),
    until,
    backupEmail: backup.email,
  };
  await deps.store.putOwner({ ...owner, away });
  return away;
}

/** What happened while an owner was away, as sent in the digest. */
export interface AwayDigestResult {
  ownerEmail: string;
  away: OwnerAway;
  conversations: number;
  messages: number;
  /** The day the absence really ended (`YYYY-MM-DD`): today, or the planned day if that has passed. */
  returnedOn: string;
  /** No digest is sent when nothing happened: an empty mail would only be noise. */
  digestSent: boolean;
}

/**
 * Ends an owner's absence: sends the digest of what happened since it began (once, by key; none when
 * nothing happened), then clears `away`. Returns `undefined` when the owner was not away. Safe to repeat.
 */
export async function endAway(deps: CoverDeps, ownerEmail: string): Promise<AwayDigestResult | undefined> {
  const owner = await deps.store.getOwner(ownerEmail);
  if (!owner?.away) return undefined;
  const { away } = owner;
  const customers = await deps.store.listCustomers(owner.email);
  // Customer messages are dated by their Date header, which has whole seconds only.
  const from = new Date(Math.floor(Date.parse(away.since) / 1000) * 1000).toISOString();
  const activity: Array<ConversationWithMessages & { customer: Customer }> = [];
  for (const customer of customers) {
    for (const conversation of await deps.store.listConversations(customer.email)) {
      if (conversation.updatedAt < from) continue;
      const messages = (await deps.store.listMessages(conversation.id)).filter((m) => m.at >= from);
      if (messages.length > 0) activity.push({ conversation, messages, customer });
    }
  }
  // Back early (`spoc owner back`) is today; an absence ended by the first mail after its day ended on it.
  const today = deps.now().toISOString().slice(0, 10);
  const returnedOn = today < away.until ? today : away.until;
  const messages = activity.reduce((sum, item) => sum + item.messages.length, 0);
  const { away: _ended, ...present } = owner;
  if (activity.length === 0) {
    await deps.store.putOwner(present);
    return { ownerEmail: owner.email, away, conversations: 0, messages, returnedOn, digestSent: false };
  }
  const backup = await deps.store.getOwner(away.backupEmail);
  const key = `away-digest:${owner.email}:${away.since}`;
  const messageId = `<digest.${Date.parse(away.since).toString(36)}.${owner.email.replace(/[^a-z0-9]/g, '-')}@${deps.config.replyDomain}>`;
  await sendOnce(deps, key, {
    raw: await composeMail(
      buildAwayDigest({
        owner,
        away,
        backupName: backup?.name ?? away.backupEmail,
        activity,
        returnedOn,
        supportName: deps.config.supportName,
        supportAddress: deps.config.supportAddress,
        messageId,
      }),
    ),
    envelope: { from: deps.config.supportAddress, to: [owner.email] },
    messageId,
  });
  await deps.store.putOwner(present);
  return {
    ownerEmail: owner.email,
    away,
    conversations: activity.length,
    messages,
    returnedOn,
    digestSent: true,
  };
}

/**
 * Remembers that a backup answered on one of the away owner's conversations, so that after the return
 * a late answer from the backup gets the same notice as a former owner's (who owns the customer now)
 * instead of silence.
 */
export async function rememberCover(
  deps: Pick<InboundDeps, 'store' | 'now'>,
  conversationId: string,
  backupEmail: string,
  ownerEmail: string,
): Promise<void> {
  if (await deps.store.getFormerOwner(conversationId, backupEmail)) return;
  await deps.store.recordFormerOwner(conversationId, backupEmail, ownerEmail, deps.now().toISOString());
}
