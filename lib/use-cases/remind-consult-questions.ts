import type { SpocConfig } from '../config/config-schema.js';
import { awaitAll } from '../delivery/await-all.js';
import type { MailDeliveryDeps } from '../delivery/deliver-mail.js';
import { deliverOperation } from '../delivery/deliver-operation.js';
import type { DueConsultReminder } from '../ports/consult-store.js';
import { planConsultReminder } from './plan-consult-reminder.js';

/** What one reminder run did. */
export interface ConsultReminderRun {
  /** Questions found due in the reminder index. */
  due: number;
  /** Reminders sent (or found sent by an earlier run and marked now). */
  reminded: number;
}

/** What a reminder run works with: the delivery module's dependencies and the support address. */
export type ConsultReminderDeps = MailDeliveryDeps & {
  config: Pick<SpocConfig, 'supportAddress' | 'supportName'>;
};

/**
 * The consult part of a sweep: every question whose reminder fell due between `from` and `now` (read
 * from the reminder index, day bucket by day bucket, no scan) is reminded in turn (`remindConsultQuestion`).
 */
export async function remindConsultQuestions(
  deps: ConsultReminderDeps,
  from: string,
  now: Date,
): Promise<ConsultReminderRun> {
  const due = await deps.store.listDueConsultReminders(from, now.toISOString());
  let reminded = 0;
  for (const entry of due) {
    if (await remindConsultQuestion(deps, entry, now)) reminded += 1;
  }
  return { due: due.length, reminded };
}

/**
 * One question's reminder at `now`: the question is re-read, decided with `planConsultReminder` and carried out
 * by the delivery module: the reminder goes to the conversation's owner now, once (its send key names
 * the question), then the question is marked and leaves the index. A question answered or reminded
 * meanwhile, or a conversation gone, sends nothing (false); in a closed conversation the plan only takes
 * the question off the index. Safe to repeat.
 */
export async function remindConsultQuestion(
  deps: ConsultReminderDeps,
  entry: Pick<DueConsultReminder, 'conversationId' | 'questionId' | 'colleague'>,
  now: Date,
): Promise<boolean> {
  const [conversation, questions] = await awaitAll([
    deps.store.getConversation(entry.conversationId),
    deps.store.listConsultQuestions(entry.conversationId),
  ]);
  const question = questions.find(
    (q) => q.questionId === entry.questionId && q.colleague.address === entry.colleague,
  );
  const owner = conversation ? await deps.store.getOwner(conversation.ownerEmail) : undefined;
  if (!conversation || !question || !owner) return false;
  const plan = planConsultReminder({ config: deps.config, question, conversation, owner, now });
  if (!plan) return false;
  await deliverOperation(deps, { before: [], mails: plan.mails, after: plan.after });
  return plan.mails.length > 0;
}
