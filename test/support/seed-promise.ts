import { expect } from 'vitest';
import { openPromise } from '../../lib/domain/promise-state.js';
import type { Conversation } from '../../lib/domain/types.js';
import type { SupportStore } from '../../lib/ports/support-store.js';

/**
 * An open conversation of Alice's with a first-response promise received at `receivedAt` and due at
 * `times`, written through the store as the relay path writes them.
 */
export async function seedPromisedConversation(
  store: SupportStore,
  input: { id: string; subject: string; receivedAt: Date; times: { nudgeAt: Date; dueAt: Date } },
): Promise<Conversation> {
  const at = input.receivedAt.toISOString();
  const conversation: Conversation = {
    id: input.id,
    customerEmail: `${input.id}@customer.test`,
    ownerEmail: 'alice@example.test',
    subject: input.subject,
    status: 'open',
    createdAt: at,
    updatedAt: at,
    customerThread: [],
    ownerThread: [],
  };
  await store.createConversation(conversation);
  const slot = openPromise({}, { receivedAt: input.receivedAt, kind: 'first-response', times: input.times });
  expect(await store.writePromise(input.id, slot, 0, at)).toBe(true);
  return conversation;
}
