import { firstResponseSeconds } from '../domain/owner-stats.js';
import type { InboundDeps } from './inbound-deps.js';

/**
 * Seconds from the conversation's first customer message to the answer `answerId` sent at `at`, when
 * that answer is the conversation's first; `undefined` otherwise. Feeds the per-owner figures.
 */
export async function firstResponseFor(
  deps: Pick<InboundDeps, 'store'>,
  conversationId: string,
  answerId: string,
  at: string,
): Promise<number | undefined> {
  const messages = await deps.store.listMessages(conversationId);
  const earlier = messages.filter((m) => m.id !== answerId);
  if (earlier.some((m) => m.direction === 'to-customer')) return undefined;
  return firstResponseSeconds(earlier, at);
}
