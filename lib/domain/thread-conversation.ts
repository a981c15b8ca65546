import { createHash } from 'node:crypto';
import type { Conversation } from './types.js';

/** Deterministic conversation id for the message that opens it, so a retried first message opens the same one. */
export function conversationIdFor(openingInboundId: string): string {
  return createHash('sha256').update(`conversation:${openingInboundId}`).digest('hex').slice(0, 16);
}

/**
 * A Message-ID naming the conversation itself, sent first in `References` of every mail to the customer.
 * Clients keep the first reference when they reply, so a reply names its conversation without a lookup
 * of the (provider-rewritten) Message-IDs. It grants nothing: a conversation is only continued by its
 * customer or a participant (see {@link pickConversation}).
 */
export function conversationReference(conversationId: string, domain: string): string {
  return `<${conversationId}.conversation@${domain.toLowerCase()}>`;
}

/** The conversation id a {@link conversationReference} names, for references on `domain` only. */
export function conversationIdOfReference(messageId: string, domain: string): string | undefined {
  const match = /^<([0-9a-f]{16})\.conversation@([^>]+)>$/.exec(messageId);
  return match?.[2]?.toLowerCase() === domain.toLowerCase() ? match[1] : undefined;
}

/** A customer-side thread with the conversation's own reference first (the `References` of a customer mail). */
export function withConversationReference(
  thread: string[],
  conversationId: string,
  domain: string,
): string[] {
  const reference = conversationReference(conversationId, domain);
  return [reference, ...thread.filter((id) => id !== reference)];
}

/**
 * The Message-IDs a mail refers to, most specific first: `In-Reply-To`, then `References` from the newest
 * backwards. Duplicates removed.
 */
export function referencedMessageIds(inReplyTo: string | undefined, references: string[]): string[] {
  const ordered = [...(inReplyTo ? [inReplyTo] : []), ...[...references].reverse()];
  return [...new Set(ordered)];
}

/**
 * Picks the conversation a customer's mail continues: the first referenced Message-ID whose conversation
 * belongs to this customer or has the writer on Cc (reply-all). A reference to someone else's
 * conversation never threads into it (a forwarded mail must not give a stranger a way into another
 * customer's thread).
 */
export function pickConversation(
  referenced: string[],
  conversationOf: ReadonlyMap<string, string>,
  conversations: ReadonlyMap<string, Conversation>,
  customerEmail: string,
): Conversation | undefined {
  for (const messageId of referenced) {
    const id = conversationOf.get(messageId);
    const conversation = id ? conversations.get(id) : undefined;
    if (
      conversation &&
      (conversation.customerEmail === customerEmail ||
        (conversation.participants ?? []).includes(customerEmail))
    ) {
      return conversation;
    }
  }
  return undefined;
}

/** Subject for mail to the customer: the conversation's subject, prefixed once with `Re:`. */
export function replySubject(subject: string): string {
  const trimmed = subject.trim();
  if (trimmed === '') return 'Re: your message';
  return /^(re|aw|sv|antw)\s*:/i.test(trimmed) ? trimmed : `Re: ${trimmed}`;
}

/**
 * At most this many ids go into `References`: the first plus the newest, as RFC 5322 suggests when
 * trimming. Clients thread by the newest few (and our conversation reference, sent first); a short list
 * keeps the conversation item, which every mail rewrites, under the size where each write costs more.
 */
const MAX_REFERENCES = 8;

/**
 * At most this many ids are kept on a conversation's thread list: the first and the newest, exactly what
 * {@link trimReferences} sends, so trimming the list changes no mail. Older ids still thread a reply
 * through their Message-ID links.
 */
export const THREAD_LIMIT = MAX_REFERENCES;

/** The `References` list for the next mail in a thread: the opening id and the newest ones. */
export function trimReferences(thread: string[]): string[] {
  if (thread.length <= MAX_REFERENCES) return [...thread];
  return [thread[0] as string, ...thread.slice(thread.length - (MAX_REFERENCES - 1))];
}
