import type { SpocConfig } from '../config/config-schema.js';
import { awaitAll } from '../delivery/await-all.js';
import { SendInProgressError } from '../delivery/deliver-mail.js';
import { deliverOperation } from '../delivery/deliver-operation.js';
import { LATER_BUCKET, nextSweepCursor, sweepDays } from '../domain/due-index.js';
import { nextPromiseEvent, type PromiseStep } from '../domain/promise-state.js';
import { replyAddressFor } from '../domain/reply-token.js';
import type { MailSender } from '../ports/mail-sender.js';
import type { DueEntry, SupportStore } from '../ports/support-store.js';
import { planPromiseStep } from './plan-promise-step.js';
import { type ConsultReminderRun, remindConsultQuestions } from './remind-consult-questions.js';

/** What the sweep runs with. */
export interface SweepDeps {
  store: SupportStore;
  sender: MailSender;
  config: SpocConfig;
  replyTokenSecret: string;
}

/** What the sweep did for one conversation. */
export interface PromiseStepResult {
  conversationId: string;
  step: PromiseStep | 'consult-reminder' | 'none' | 'busy' | 'failed';
  detail: string;
}

/** One sweep: the buckets it read, what was due in them, and where the next sweep starts. */
export interface SweepReport {
  at: string;
  buckets: string[];
  due: number;
  cursor: string;
  results: PromiseStepResult[];
  /** The reminders of questions to colleagues left unanswered, from the same run (see `sweepPromises`). */
  consultReminders?: ConsultReminderRun;
}

/**
 * How far back a sweep looks for consult reminders besides its cursor's day: the cursor follows the
 * promises, so a reminder left over from a failed run is still found on the next days.
 */
const REMINDER_LOOKBACK_DAYS = 2;

/**
 * Reads a conversation and carries out what its promise needs at `now` (see `planPromiseStep`):
 * nothing when it is not due (any more). Another attempt sending the same mail right now makes this one
 * `busy`: that attempt finishes it. Safe to repeat: the same facts plan the same mail keys.
 */
export async function runPromiseStep(
  deps: SweepDeps,
  conversationId: string,
  now: Date,
): Promise<PromiseStepResult> {
  const conversation = await deps.store.getConversation(conversationId);
  const event = conversation?.promise ? nextPromiseEvent(conversation.promise) : undefined;
  if (!conversation || !event || Date.parse(event.at) > now.getTime()) {
    return { conversationId, step: 'none', detail: 'nothing due' };
  }
  const [owners, customer, messages, questions] = await awaitAll([
    deps.store.listOwners(),
    deps.store.getCustomer(conversation.customerEmail),
    deps.store.listMessages(conversation.id),
    // The nudge says whom the owner still waits on; only a conversation with consult rounds has any.
    conversation.consulted ? deps.store.listConsultQuestions(conversation.id) : [],
  ]);
  const owner = owners.find((o) => o.email === conversation.ownerEmail);
  if (!owner) {
    return { conversationId, step: 'failed', detail: `owner ${conversation.ownerEmail} is not an owner` };
  }
  const plan = planPromiseStep({
    conversation,
    customer,
    owner,
    owners,
    messages,
    questions,
    replyAddress: replyAddressFor(conversation.id, deps.replyTokenSecret, deps.config.replyDomain),
    now,
    config: deps.config,
  });
  try {
    await deliverOperation({ store: deps.store, sender: deps.sender, now: () => now }, plan.operation);
  } catch (error) {
    if (error instanceof SendInProgressError) return { conversationId, step: 'busy', detail: error.message };
    throw error;
  }
  return { conversationId, step: plan.step, detail: plan.detail };
}

/**
 * Reads what is due at `now` from the due index — the day buckets from the stored cursor (at most
 * `SWEEP_MAX_DAYS` of them) and `later` — and hands each due conversation to `handle` (true: handled
 * now; false: handed on, e.g. to a queue). The cursor then moves to the oldest day still holding
 * something not handled, never past `realNow`'s day: a sweep run as if later (`spoc sweep --at`) does
 * not skip what real time has still to file.
 */
export async function sweepDuePromises(
  store: SupportStore,
  options: {
    now: Date;
    realNow: Date;
    handle: (entry: DueEntry) => Promise<PromiseStepResult | undefined>;
  },
): Promise<SweepReport> {
  const { now } = options;
  const cursor = await store.getSweepCursor();
  const days = sweepDays(cursor, now);
  const until = now.toISOString();
  const buckets = [...days, LATER_BUCKET];
  const read = await awaitAll(buckets.map((bucket) => store.readDueBucket(bucket, until)));
  const seen = new Set<string>();
  const results: PromiseStepResult[] = [];
  const pending = new Set<string>();
  for (const [index, entries] of read.entries()) {
    const bucket = buckets[index] ?? LATER_BUCKET;
    for (const entry of entries) {
      if (seen.has(entry.conversationId)) continue;
      seen.add(entry.conversationId);
      let result: PromiseStepResult | undefined;
      try {
        result = await options.handle(entry);
      } catch (error) {
        result = {
          conversationId: entry.conversationId,
          step: 'failed',
          detail: error instanceof Error ? error.message : String(error),
        };
      }
      if (result) results.push(result);
      if (!result || result.step === 'failed' || result.step === 'busy') pending.add(bucket);
    }
  }
  const next = nextSweepCursor({ cursor, read: days, withDue: pending, now, ceiling: options.realNow });
  await store.advanceSweepCursor(next);
  return { at: until, buckets, due: seen.size, cursor: next, results };
}

/**
 * One sweep carried out in this process (local mode, `spoc sweep`): each due promise's step, in turn,
 * then the reminders of questions to colleagues that fell due (`consult.remindAfter`), from the day
 * buckets since the sweep's cursor or `REMINDER_LOOKBACK_DAYS` before `now`, whichever is earlier.
 */
export async function sweepPromises(deps: SweepDeps, now: Date, realNow: Date = now): Promise<SweepReport> {
  const report = await sweepDuePromises(deps.store, {
    now,
    realNow,
    handle: (entry) => runPromiseStep(deps, entry.conversationId, now),
  });
  const consultReminders = await remindConsultQuestions(
    { store: deps.store, sender: deps.sender, now: () => now, config: deps.config },
    reminderFrom(report.buckets[0], now),
    now,
  );
  return { ...report, consultReminders };
}

/** The start of the first day bucket a sweep's consult reminders are read from. */
export function reminderFrom(cursorDay: string | undefined, now: Date): string {
  const lookback = new Date(now.getTime() - REMINDER_LOOKBACK_DAYS * 86_400_000).toISOString().slice(0, 10);
  const first =
    cursorDay !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(cursorDay) && cursorDay < lookback
      ? cursorDay
      : lookback;
  return `${first}T00:00:00.000Z`;
}
