import type { SpocConfig } from '../config/config-schema.js';
import { applyStoreWritesInOrder } from '../delivery/apply-store-writes.js';
import { awaitAll } from '../delivery/await-all.js';
import { deliverOperation } from '../delivery/deliver-operation.js';
import {
  type MailDelivery,
  type OperationPlan,
  type StoreWrite,
  writesOnly,
} from '../delivery/delivery-plan.js';
import { PermanentFailureError } from '../domain/errors.js';
import { checkAway, coverState } from '../domain/owner-cover.js';
import type { Customer, Owner, OwnerAway } from '../domain/types.js';
import { buildAwayDigest } from '../mail/away-digest.js';
import type { ConversationWithMessages } from '../mail/conversation-history.js';
import type { FormerOwnerRecord } from '../ports/support-store.js';
import { ownerByEmail } from './find-or-assign-owner.js';
import type { InboundDeps } from './inbound-deps.js';

/** An absence that cannot be set as asked; the message says what to change. */
export class AwayRefusedError extends PermanentFailureError {
  override readonly name = 'AwayRefusedError';
}

type CoverDeps = Pick<InboundDeps, 'store' | 'sender' | 'config' | 'now'>;

/** Who receives an owner's customer mail now, and for whom they cover. */
export interface CoverRoute {
  recipient: Owner;
  coveringFor?: Owner;
  /** The owner's return, carried out before the mail: its digest, then the owner without `away`. */
  returning?: OperationPlan;
}

/**
 * Routes an owner's customer mail: to the backup while the owner is away (when the backup is still an
 * active owner), else to the owner. An absence whose day has come is ended first (the route names the
 * return, with its digest, for the plan), so the first mail after the return already reaches the owner.
 */
export async function routeToCover(
  deps: Pick<InboundDeps, 'store' | 'config' | 'now'>,
  owner: Owner,
  owners?: Owner[],
): Promise<CoverRoute> {
  const state = coverState(owner, deps.now());
  if (state.kind === 'returned') {
    const facts = await readReturn(deps, owner.email);
    return { recipient: owner, ...(facts ? { returning: planReturn(facts).operation } : {}) };
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

/**
 * Pure: the absence of an owner until a day (`YYYY-MM-DD`, UTC) with a backup owner, and the write that
 * sets it. Throws {@link AwayRefusedError} when it cannot be set as asked.
 */
export function planAway(input: { owner: Owner; until: string; backup: Owner | undefined; now: Date }): {
  away: OwnerAway;
  operation: OperationPlan;
} {
  const { owner, backup, until, now } = input;
  const problem = checkAway({ owner, backup, until, now });
  if (problem || !backup) throw new AwayRefusedError('away-refused', problem ?? 'no backup');
  const away: OwnerAway = {
    // Extending an absence keeps its start, so the digest still covers all of it.
    since: owner.away?.since ?? now.toISOString(),
    until,
    backupEmail: backup.email,
  };
  return { away, operation: writesOnly({ kind: 'put-owner', owner: { ...owner, away } }) };
}

/** Marks an owner away until a day (`YYYY-MM-DD`, UTC), with a backup owner. */
export async function setAway(
  deps: Pick<InboundDeps, 'store' | 'now'>,
  owner: Owner,
  until: string,
  backup: Owner | undefined,
): Promise<OwnerAway> {
  const { away, operation } = planAway({ owner, until, backup, now: deps.now() });
  await applyStoreWritesInOrder(deps.store, operation.before);
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

/** What an owner's return is decided from: the owner, what happened while away, and the backup. */
export interface ReturnFacts {
  owner: Owner & { away: OwnerAway };
  activity: Array<ConversationWithMessages & { customer: Customer }>;
  backup: Owner | undefined;
  now: Date;
  config: Pick<SpocConfig, 'replyDomain' | 'supportName' | 'supportAddress'>;
}

/** Reads an away owner's activity since the absence began; `undefined` when the owner is not away. */
export async function readReturn(
  deps: Pick<InboundDeps, 'store' | 'config' | 'now'>,
  ownerEmail: string,
): Promise<ReturnFacts | undefined> {
  const owner = await deps.store.getOwner(ownerEmail);
  if (!owner?.away) return undefined;
  const { away } = owner;
  const customers = await deps.store.listCustomers(owner.email);
  // Customer messages are dated by their Date header, which has whole seconds only.
  const from = new Date(Math.floor(Date.parse(away.since) / 1000) * 1000).toISOString();
  const activity: ReturnFacts['activity'] = [];
  for (const customer of customers) {
    for (const conversation of await deps.store.listConversations(customer.email)) {
      if (conversation.updatedAt < from) continue;
      const [all, asked] = await awaitAll([
        deps.store.listMessages(conversation.id),
        deps.store.listConsultQuestions(conversation.id),
      ]);
      const messages = all.filter((m) => m.at >= from);
      // Questions to colleagues asked or answered while away belong to the digest too.
      const questions = asked.filter((q) => q.askedAt >= from || (q.lastAnsweredAt ?? '') >= from);
      if (messages.length > 0 || questions.length > 0)
        activity.push({ conversation, messages, customer, ...(questions.length > 0 ? { questions } : {}) });
    }
  }
  const backup = activity.length > 0 ? await deps.store.getOwner(away.backupEmail) : undefined;
  return { owner: { ...owner, away }, activity, backup, now: deps.now(), config: deps.config };
}

/**
 * Pure: an owner's return — the digest of what happened while away (once, by key; none when nothing
 * happened), then the owner without `away`.
 */
export function planReturn(facts: ReturnFacts): { result: AwayDigestResult; operation: OperationPlan } {
  const { owner, activity, config } = facts;
  const { away } = owner;
  // Back early (`spoc owner back`) is today; an absence ended by the first mail after its day ended on it.
  const today = facts.now.toISOString().slice(0, 10);
  const returnedOn = today < away.until ? today : away.until;
  const messages = activity.reduce((sum, item) => sum + item.messages.length, 0);
  const { away: _ended, ...present } = owner;
  const result = {
    ownerEmail: owner.email,
    away,
    conversations: activity.length,
    messages,
    returnedOn,
    digestSent: activity.length > 0,
  };
  const after: StoreWrite[] = [{ kind: 'put-owner', owner: present }];
  if (activity.length === 0) return { result, operation: { before: [], mails: [], after } };
  const messageId = `<digest.${Date.parse(away.since).toString(36)}.${owner.email.replace(/[^a-z0-9]/g, '-')}@${config.replyDomain}>`;
  const digest: MailDelivery = {
    key: `away-digest:${owner.email}:${away.since}`,
    mail: {
      compose: buildAwayDigest({
        owner,
        away,
        backupName: facts.backup?.name ?? away.backupEmail,
        activity,
        returnedOn,
        supportName: config.supportName,
        supportAddress: config.supportAddress,
        messageId,
      }),
      envelope: { from: config.supportAddress, to: [owner.email] },
      messageId,
    },
  };
  return { result, operation: { before: [], mails: [digest], after } };
}

/**
 * Ends an owner's absence: sends the digest of what happened since it began (once, by key; none when
 * nothing happened), then clears `away`. Returns `undefined` when the owner was not away. Safe to repeat.
 */
export async function endAway(deps: CoverDeps, ownerEmail: string): Promise<AwayDigestResult | undefined> {
  const facts = await readReturn(deps, ownerEmail);
  if (!facts) return undefined;
  const { result, operation } = planReturn(facts);
  await deliverOperation(deps, operation);
  return result;
}

/**
 * Pure: remembers that a backup answered on one of the away owner's conversations, so that after the
 * return a late answer from the backup gets the same notice as a former owner's (who owns the customer
 * now) instead of silence. Nothing when it is remembered already (`known`, as read).
 */
export function rememberCover(input: {
  known: FormerOwnerRecord | undefined;
  conversationId: string;
  backupEmail: string;
  ownerEmail: string;
  at: string;
}): StoreWrite[] {
  if (input.known) return [];
  return [
    {
      kind: 'record-former-owner',
      conversationId: input.conversationId,
      ownerEmail: input.backupEmail,
      successorEmail: input.ownerEmail,
      at: input.at,
    },
  ];
}
