import { openCountChanges } from '../domain/open-counts.js';
import type { SupportStore } from '../ports/support-store.js';
import { awaitAll } from './await-all.js';
import type { StoreWrite } from './delivery-plan.js';

/** Carries out one planned write. */
export async function applyStoreWrite(store: SupportStore, write: StoreWrite): Promise<void> {
  switch (write.kind) {
    case 'create-conversation':
      await store.createConversation(write.conversation);
      return;
    case 'put-message':
      return store.putMessage(write.message);
    case 'link-message-ids':
      return store.linkMessageIds(write.messageIds, write.conversationId, write.origin);
    case 'record-threads':
      return store.recordThreads(write.conversationId, write.add, write.at, write.seen);
    case 'append-to-thread':
      return store.appendToThread(write.conversationId, write.thread, write.messageIds, write.at);
    case 'add-participants':
      return store.addParticipants(write.conversationId, write.addresses, write.at);
    case 'remove-participant':
      await store.removeParticipant(write.conversationId, write.address, write.at);
      return;
    case 'update-conversation':
      return store.updateConversation(write.conversationId, write.change, write.at);
    case 'record-former-owner':
      return store.recordFormerOwner(write.conversationId, write.ownerEmail, write.successorEmail, write.at);
    case 'update-customer-owner':
      return store.updateCustomerOwner(write.email, write.ownerEmail);
    case 'fill-customer-name':
      return store.fillCustomerName(write.email, write.name);
    case 'mark-loop-ended':
      return store.markLoopEnded(write.conversationId, write.at);
    case 'put-owner':
      return store.putOwner(write.owner);
    case 'count-open':
      return countOpen(store, write);
    case 'write-promise':
      // Lost to a concurrent transition (another sweep, an answer): that write stands, this one is moot.
      await store.writePromise(write.conversationId, write.slot, write.seenRev, write.at);
      return;
    case 'put-consult-question':
      return store.putConsultQuestion(write.question);
    case 'record-consult-answer':
      return store.recordConsultAnswer(write.question, write.at);
    case 'mark-consult-reminded':
      await store.markConsultReminded(write.question, write.at);
      return;
    case 'drop-consult-reminder':
      return store.dropConsultReminder(write.question);
    default:
      return unknownWrite(write);
  }
}

/** Moves the conversation's mark first, so a repeated write changes no count twice. */
async function countOpen(store: SupportStore, write: Extract<StoreWrite, { kind: 'count-open' }>) {
  const mark = await store.markOpenCountedFor(write.conversationId, write.ownerEmail);
  if (!mark.changed) return;
  const changes = openCountChanges({
    previous: mark.previous,
    next: write.ownerEmail,
    nextTaken: write.taken,
  });
  await awaitAll(changes.map((change) => store.addOpenCount(change.ownerEmail, change.delta)));
}

function unknownWrite(write: never): never {
  throw new Error(`unknown store write ${JSON.stringify(write)}`);
}

/**
 * Carries out independent writes together; every one settles before the first failure is thrown, so no
 * call is left in flight.
 */
export async function applyStoreWrites(store: SupportStore, writes: StoreWrite[]): Promise<void> {
  await awaitAll(writes.map((write) => applyStoreWrite(store, write)));
}

/** Carries out writes one after another, in order (a later one may depend on an earlier one). */
export async function applyStoreWritesInOrder(store: SupportStore, writes: StoreWrite[]): Promise<void> {
  for (const write of writes) await applyStoreWrite(store, write);
}
