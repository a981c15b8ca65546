import type { DueWork } from '../domain/due-work.js';
import * as z from '../validation/zod-mini.js';

const id = () => z.string().check(z.minLength(1), z.maxLength(200));

/** The body of a promise-step message, as the scheduler writes it (`SqsDuePromiseQueue`). */
export const duePromiseMessageSchema = z.object({ conversationId: id() });

/** The body of a consult-reminder message: which question of which conversation, to which colleague. */
export const consultReminderMessageSchema = z.object({
  kind: z.literal('consult-reminder'),
  conversationId: id(),
  questionId: id(),
  colleague: z.string().check(z.minLength(3), z.maxLength(320)),
});

/** A queue record that is not a due-work message; it fails so the queue moves it to the DLQ. */
export class UnreadablePromiseMessageError extends Error {
  override readonly name = 'UnreadablePromiseMessageError';
}

/** The message body the scheduler writes for one piece of work (a promise step carries no kind). */
export function dueWorkMessageBody(work: DueWork): string {
  if (work.kind === 'promise-step') return JSON.stringify({ conversationId: work.conversationId });
  return JSON.stringify({
    kind: work.kind,
    conversationId: work.conversationId,
    questionId: work.questionId,
    colleague: work.colleague,
  } satisfies z.infer<typeof consultReminderMessageSchema>);
}

/**
 * Reads a due-work message body, or throws {@link UnreadablePromiseMessageError} naming what is wrong.
 * A body without a kind is a promise step; `consult-reminder` is the one other kind.
 */
export function parseDueWorkMessage(body: string): DueWork {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new UnreadablePromiseMessageError('the due-promise message is not JSON', { cause: error });
  }
  const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
  if (kind === 'consult-reminder') {
    const { kind: _, ...reminder } = read(consultReminderMessageSchema, json);
    return { kind, ...reminder };
  }
  return { kind: 'promise-step', ...read(duePromiseMessageSchema, json) };
}

function read<T>(schema: z.ZodMiniType<T>, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new UnreadablePromiseMessageError(`not a due-promise message: ${issues.join('; ')}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
