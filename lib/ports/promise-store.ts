import type { PromiseSlot } from '../domain/promise-state.js';
import type { ResponsePromise } from '../domain/types.js';

/** A conversation's promise as the due index lists it (eventually consistent: re-read before acting). */
export interface DueEntry {
  conversationId: string;
  customerEmail: string;
  ownerEmail: string;
  promise: ResponsePromise;
  /** The time in the entry's sort key: the next event, or the waiting time of an idle promise. */
  at: string;
}

/**
 * Response promises on their conversations, and the due index the sweep reads them from: a promise is
 * written with its index entry in one conditional update, so moving the promise moves its entry.
 */
export interface PromiseStore {
  /**
   * Replaces a conversation's promise (`slot.promise` undefined ends it) and its due index entry, and
   * counts the write on `promiseRev`. With `seenRev`, only over the revision it was decided from (0: a
   * conversation never given a promise); false when another write came first or the conversation does
   * not exist. Without `seenRev` the write is made regardless (an answer ends any promise).
   */
  writePromise(
    conversationId: string,
    slot: PromiseSlot,
    seenRev: number | undefined,
    at: string,
  ): Promise<boolean>;
  /** The entries of one due-index bucket (a day, `later` or `idle`), oldest first, up to `until` if given. */
  readDueBucket(bucket: string, until?: string): Promise<DueEntry[]>;
  /** The day the next sweep starts reading from; undefined before the first sweep. */
  getSweepCursor(): Promise<string | undefined>;
  /** Moves the sweep cursor forward to `day` (never back: a slower concurrent sweep cannot undo it). */
  advanceSweepCursor(day: string): Promise<void>;
}
