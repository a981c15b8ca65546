import * as z from '../validation/zod-mini.js';

/** The body of a due-promise queue message, as the scheduler writes it (`SqsDuePromiseQueue`). */
export const duePromiseMessageSchema = z.object({
  conversationId: z.string().check(z.minLength(1), z.maxLength(200)),
});

/** A due-promise message, read. */
export type DuePromiseMessageBody = z.infer<typeof duePromiseMessageSchema>;

/** A queue record that is not a due-promise message; it fails so the queue moves it to the DLQ. */
export class UnreadablePromiseMessageError extends Error {
  override readonly name = 'UnreadablePromiseMessageError';
}

/** Reads a due-promise message body, or throws {@link UnreadablePromiseMessageError} saying what is wrong. */
export function parseDuePromiseMessage(body: string): DuePromiseMessageBody {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new UnreadablePromiseMessageError('the due-promise message is not JSON', { cause: error });
  }
  const parsed = duePromiseMessageSchema.safeParse(json);
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
