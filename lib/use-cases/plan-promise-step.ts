import type { SpocConfig } from '../config/config-schema.js';
import { visibleMessageId } from '../delivery/deliver-mail.js';
import type { MailDelivery, OperationPlan, StoreWrite } from '../delivery/delivery-plan.js';
import { type ConsultQuestion, openQuestionsNudgeLine } from '../domain/consult-round.js';
import { escalationTarget } from '../domain/escalation-target.js';
import { coverState } from '../domain/owner-cover.js';
import {
  markEscalated,
  markLeadTold,
  markNudged,
  nextPromiseEvent,
  type PromiseSlot,
  type PromiseStep,
  resumePromise,
} from '../domain/promise-state.js';
import { promiseTimes } from '../domain/response-promise.js';
import type { Conversation, ConversationMessage, Customer, Owner, ResponsePromise } from '../domain/types.js';
import type { MailAddress } from '../mail/mail-types.js';
import { buildOwnerNotice } from '../mail/owner-notice.js';
import {
  buildEscalationHandover,
  buildPromiseReminder,
  escalatedNotice,
  leadNotice,
  type NoticeText,
  type WaitingConversation,
} from '../mail/promise-mails.js';

/** What the sweep decides one conversation's promise from. */
export interface PromiseStepFacts {
  conversation: Conversation;
  customer: Customer | undefined;
  /** The conversation's owner, as stored. */
  owner: Owner;
  owners: readonly Owner[];
  /** The conversation's messages, oldest first (the backup receives them as its history). */
  messages: ConversationMessage[];
  /** The conversation's questions to colleagues (none when it has no consult rounds). */
  questions?: readonly ConsultQuestion[];
  /** The conversation's signed reply address. */
  replyAddress: string;
  now: Date;
  config: Pick<
    SpocConfig,
    'replyDomain' | 'supportName' | 'supportAddress' | 'hours' | 'holidays' | 'promise' | 'escalation'
  >;
}

/** What one due promise came to: the step taken (or none), a line for the log, and the operation. */
export interface PromiseStepPlan {
  step: PromiseStep | 'none';
  detail: string;
  operation: OperationPlan;
  /** Whom the conversation went to, on an escalation. */
  escalatedTo?: string;
}

const NOTHING: PromiseStepPlan = {
  step: 'none',
  detail: 'nothing due',
  operation: { before: [], mails: [], after: [] },
};

/** The key of a promise's mail: its conversation, its epoch and the step it is for. */
export function promiseMailKey(conversationId: string, epoch: number, step: string): string {
  return `promise:${conversationId}:${epoch}:${step}`;
}

function messageIdFor(key: string, replyDomain: string): string {
  return `<${key.replaceAll(':', '.').replace(/[^A-Za-z0-9.-]/g, '-')}@${replyDomain}>`;
}

/**
 * Pure: what happens now to a conversation's promise. The step due at `now` — nudge the one who
 * receives the customer's mail (the owner, or their cover while away), hand the conversation to the
 * backup (`escalationTarget` of that person) and tell them once, tell `escalation.leadAddress` once when
 * the backup stayed silent for the same span, remind on a `#wait` day — as mails keyed by
 * (conversation, epoch, step) and the promise's next state, written last and only over the revision it
 * was decided from. Planning the same facts again gives the same keys, so a repeated or concurrent
 * sweep, or one after a crash between a send and the write, sends nothing twice. A due time passed
 * before the nudge went skips the nudge. Nothing goes to the customer.
 */
export function planPromiseStep(facts: PromiseStepFacts): PromiseStepPlan {
  const { conversation, now, config } = facts;
  const promise = conversation.promise;
  if (!promise) return NOTHING;
  const event = nextPromiseEvent(promise);
  if (!event || Date.parse(event.at) > now.getTime()) return NOTHING;
  const step = event.step === 'nudge' && Date.parse(promise.dueAt) <= now.getTime() ? 'escalate' : event.step;
  const silent = silentPerson(facts);
  const waiting: WaitingConversation = {
    conversationId: conversation.id,
    subject: conversation.subject,
    customer: { address: conversation.customerEmail, name: facts.customer?.name ?? '' },
    waitingSince: promise.waitingSince,
    dueAt: promise.dueAt,
    replyAddress: facts.replyAddress,
    ownerThread: conversation.ownerThread,
  };
  const slot: PromiseSlot = { promise, promiseEpoch: conversation.promiseEpoch ?? promise.epoch };
  const write = (next: PromiseSlot): StoreWrite => ({
    kind: 'write-promise',
    conversationId: conversation.id,
    slot: next,
    seenRev: conversation.promiseRev ?? 0,
    at: now.toISOString(),
  });
  const withPromise = (next: ResponsePromise): PromiseSlot => ({ ...slot, promise: next });
  switch (step) {
    case 'nudge': {
      const mail = reminderMail(facts, promise, 'nudge', waiting, silent);
      return {
        step,
        detail: `nudged ${silent.email}`,
        operation: { before: [], mails: [mail], after: [write(withPromise(markNudged(promise, now)))] },
      };
    }
    case 'resume': {
      const resumeAt = new Date(promise.resumeAt ?? now.toISOString());
      const times = promiseTimes({
        receivedAt: resumeAt,
        kind: 'follow-up',
        owner: facts.owner,
        defaultHours: config.hours,
        holidays: config.holidays,
        promise: config.promise,
      });
      const resumed = resumePromise(slot, { at: resumeAt, times });
      const dueAt = resumed.promise?.dueAt ?? promise.dueAt;
      const mail = reminderMail(facts, promise, 'wait-day', { ...waiting, dueAt }, silent);
      return {
        step,
        detail: `reminded ${silent.email} of the #wait day ${promise.waitUntil ?? ''}`.trimEnd(),
        operation: { before: [], mails: [mail], after: [write(resumed)] },
      };
    }
    case 'escalate':
      return planEscalation(facts, promise, waiting, silent, (next) => write(withPromise(next)));
    case 'tell-lead': {
      const lead = config.escalation.leadAddress;
      const told = write(withPromise(markLeadTold(promise, now)));
      if (!lead)
        return {
          step,
          detail: 'no lead address to tell',
          operation: { before: [], mails: [], after: [told] },
        };
      const backup = facts.owners.find((o) => o.email === promise.escalatedTo);
      const mail = noticeMail(facts, promiseMailKey(conversation.id, promise.epoch, 'tell-lead'), lead, {
        ...leadNotice({
          waiting,
          ownerName: facts.owner.name || facts.owner.email,
          backupName: backup ? backup.name || backup.email : promise.escalatedTo,
          now,
        }),
      });
      return { step, detail: `told ${lead}`, operation: { before: [], mails: [mail], after: [told] } };
    }
  }
}

/** Who receives the customer's mail now: the owner, or the active cover of an away owner. */
function silentPerson(facts: PromiseStepFacts): Owner {
  const state = coverState(facts.owner, facts.now);
  if (state.kind !== 'covered') return facts.owner;
  const cover = facts.owners.find((o) => o.email === state.away.backupEmail);
  return cover?.active ? cover : facts.owner;
}

function planEscalation(
  facts: PromiseStepFacts,
  promise: ResponsePromise,
  waiting: WaitingConversation,
  silent: Owner,
  write: (next: ResponsePromise) => StoreWrite,
): PromiseStepPlan {
  const { conversation, config, now } = facts;
  const defaultBackup = config.escalation.defaultBackup;
  // An owner on cover is escalated through their cover: the cover's backup, else the owner's own.
  let target = escalationTarget(silent, facts.owners, defaultBackup, now);
  if (!target.found && silent.email !== facts.owner.email) {
    const fallback = escalationTarget(facts.owner, facts.owners, defaultBackup, now);
    if (fallback.found && fallback.owner.email !== silent.email) target = fallback;
  }
  const lead = config.escalation.leadAddress;
  const key = (step: string) => promiseMailKey(conversation.id, promise.epoch, step);
  const mails: MailDelivery[] = [];
  let next: ResponsePromise;
  let detail: string;
  if (target.found) {
    const backup = target.owner;
    const messageId = messageIdFor(key('escalate'), config.replyDomain);
    mails.push({
      key: key('escalate'),
      mail: {
        compose: buildEscalationHandover({
          waiting,
          history: { conversation, messages: facts.messages },
          backup: { address: backup.email, name: backup.name },
          ownerName: facts.owner.name,
          silentName: silent.email === facts.owner.email ? undefined : silent.name,
          now,
          supportName: config.supportName,
          supportAddress: config.supportAddress,
          messageId,
        }),
        envelope: { from: config.supportAddress, to: [backup.email] },
        messageId,
      },
      afterSend: (sent) => [ownerThreadWrite(conversation.id, visibleMessageId(sent), now)],
    });
    const backupDueAt = lead
      ? promiseTimes({
          receivedAt: now,
          kind: promise.kind,
          owner: backup,
          defaultHours: config.hours,
          holidays: config.holidays,
          promise: config.promise,
        }).dueAt
      : undefined;
    next = markEscalated(promise, { to: backup.email, at: now, backupDueAt });
    detail = `escalated to ${backup.email}`;
  } else {
    next = markEscalated(promise, { at: now });
    detail = `not escalated: ${target.problem}`;
  }
  mails.push(
    noticeMail(
      facts,
      key('escalate-notice'),
      silent.email,
      escalatedNotice({
        waiting,
        backupName: target.found ? target.owner.name || target.owner.email : undefined,
        problem: target.found ? undefined : target.problem,
        now,
      }),
      silent.name,
    ),
  );
  // Nobody to hand it to: the lead hears of it at once rather than after a span nobody is in.
  if (!target.found && lead) {
    mails.push(
      noticeMail(
        facts,
        key('tell-lead'),
        lead,
        leadNotice({
          waiting,
          ownerName: facts.owner.name || facts.owner.email,
          backupName: undefined,
          now,
        }),
      ),
    );
    next = markLeadTold(next, now);
    detail = `${detail}; told ${lead}`;
  }
  return {
    step: 'escalate',
    detail,
    operation: { before: [], mails, after: [write(next)] },
    ...(target.found ? { escalatedTo: target.owner.email } : {}),
  };
}

function reminderMail(
  facts: PromiseStepFacts,
  promise: ResponsePromise,
  kind: 'nudge' | 'wait-day',
  waiting: WaitingConversation,
  to: Owner,
): MailDelivery {
  const { conversation, config, now } = facts;
  const step = kind === 'nudge' ? 'nudge' : `remind-${promise.waitUntil ?? ''}`;
  const key = promiseMailKey(conversation.id, promise.epoch, step);
  const messageId = messageIdFor(key, config.replyDomain);
  const latest = facts.messages.filter((m) => m.direction === 'from-customer').at(-1);
  return {
    key,
    mail: {
      compose: buildPromiseReminder({
        kind,
        waiting,
        to: { address: to.email, name: to.name },
        latest,
        ...(promise.waitUntil ? { waitUntil: promise.waitUntil } : {}),
        ...(kind === 'nudge' ? { waitingOn: openQuestionsNudgeLine(facts.questions ?? []) } : {}),
        now,
        supportName: config.supportName,
        messageId,
      }),
      envelope: { from: config.supportAddress, to: [to.email] },
      messageId,
    },
    afterSend: (sent) => [ownerThreadWrite(conversation.id, visibleMessageId(sent), now)],
  };
}

function noticeMail(
  facts: PromiseStepFacts,
  key: string,
  to: string,
  text: NoticeText,
  name = '',
): MailDelivery {
  const { config } = facts;
  // On the support domain: the lead may be outside the team and must not learn the reply domain.
  const messageId = messageIdFor(
    key,
    config.supportAddress.slice(config.supportAddress.lastIndexOf('@') + 1),
  );
  const recipient: MailAddress = { address: to, name };
  return {
    key,
    mail: {
      compose: buildOwnerNotice({
        owner: recipient,
        supportAddress: config.supportAddress,
        supportName: config.supportName,
        ...text,
        messageId,
      }),
      envelope: { from: config.supportAddress, to: [to] },
      messageId,
    },
  };
}

/** A mail sent into the owner-side thread joins it, so an answer to it threads like a relay's. */
function ownerThreadWrite(conversationId: string, messageId: string, now: Date): StoreWrite {
  return {
    kind: 'append-to-thread',
    conversationId,
    thread: 'ownerThread',
    messageIds: [messageId],
    at: now.toISOString(),
  };
}
