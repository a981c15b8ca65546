import { firstResponseOf } from '../domain/first-answer.js';
import { firstResponseSeconds } from '../domain/owner-stats.js';
import type { Conversation } from '../domain/types.js';
import type { InboundDeps } from './inbound-deps.js';

/**
 * Seconds from the conversation's first customer message to the answer `answerId` sent at `at`, when
 * that answer is the conversation's first; `undefined` otherwise. Feeds the per-owner figures. Read from
 * the conversation item; only a conversation stored before it kept `askedAt` and `firstAnswer` has its
 * messages listed, once: its next answer records `firstAnswer`.
 */
export async function firstResponseFor(
  deps: Pick<InboundDeps, 'store'>,
  conversation: Pick<Conversation, 'id' | 'askedAt' | 'firstAnswer'>,
  answerId: string,
  at: string,
): Promise<number | undefined> {
  const stored = firstResponseOf(conversation, answerId, at);
  if (stored.known) return stored.seconds;
  const messages = await deps.store.listMessages(conversation.id);
  const earlier = messages.filter((m) => m.id !== answerId);
  if (earlier.some((m) => m.direction === 'to-customer')) return undefined;
  return firstResponseSeconds(earlier, at);
}
