import { awaitAll } from '../delivery/await-all.js';
import { listingBuckets } from '../domain/due-index.js';
import type { PromiseState } from '../domain/types.js';
import type { SupportStore } from '../ports/support-store.js';

/** One running promise as `spoc due --json` prints it (times ISO 8601). */
export interface PromiseListing {
  customer: string;
  conversationId: string;
  owner: string;
  state: PromiseState;
  nudgeAt: string;
  dueAt: string;
}

/** Buckets read at once: a listing reads a few dozen small queries. */
const READ_BATCH = 8;

/**
 * Every running promise (open, paused, escalated), soonest due first, read through the due index — a
 * bounded set of buckets (see `listingBuckets`), never a scan of the table.
 */
export async function listPromises(store: Pick<SupportStore, 'getSweepCursor' | 'readDueBucket'>, now: Date) {
  const buckets = listingBuckets(await store.getSweepCursor(), now);
  const byConversation = new Map<string, PromiseListing>();
  for (let start = 0; start < buckets.length; start += READ_BATCH) {
    const batch = buckets.slice(start, start + READ_BATCH);
    for (const entries of await awaitAll(batch.map((bucket) => store.readDueBucket(bucket)))) {
      for (const entry of entries) {
        byConversation.set(entry.conversationId, {
          customer: entry.customerEmail,
          conversationId: entry.conversationId,
          owner: entry.ownerEmail,
          state: entry.promise.state,
          nudgeAt: entry.promise.nudgeAt,
          dueAt: entry.promise.dueAt,
        });
      }
    }
  }
  return [...byConversation.values()].sort((a, b) =>
    a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.conversationId < b.conversationId ? -1 : 1,
  );
}
