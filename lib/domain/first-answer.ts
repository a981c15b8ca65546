import type { Conversation } from './types.js';

/**
 * What the conversation alone says of an owner answer's first-response figure: `known` with the seconds
 * from the customer's opening mail to this answer (undefined when it is not the first answer, or the
 * clock says it came first), or not `known` for a conversation stored before `askedAt` and
 * `firstAnswer` were kept, whose messages must be read once instead.
 */
export function firstResponseOf(
  conversation: Pick<Conversation, 'askedAt' | 'firstAnswer'>,
  answerId: string,
  answeredAt: string,
): { known: true; seconds: number | undefined } | { known: false } {
  const { firstAnswer, askedAt } = conversation;
  // A retried answer finds itself recorded and gives the figure it gave the first time.
  if (firstAnswer)
    return { known: true, seconds: firstAnswer.id === answerId ? firstAnswer.seconds : undefined };
  if (askedAt === undefined) return { known: false };
  const seconds = (Date.parse(answeredAt) - Date.parse(askedAt)) / 1000;
  return { known: true, seconds: Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds) : undefined };
}
