import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import { DynamoDbTable } from '../../lib/adapters/dynamodb/dynamodb-table.js';
import { keys } from '../../lib/adapters/dynamodb/item-keys.js';
import {
  markEscalated,
  markLeadTold,
  markNudged,
  openPromise,
  pausePromise,
} from '../../lib/domain/promise-state.js';
import type { Conversation } from '../../lib/domain/types.js';
import { ensureTable } from '../../lib/local/embedded-engines.js';
import {
  type DynamoEngine,
  dynaliteEngine,
  dynamoDbLocalEngine,
  type RunningDynamoEngine,
} from './engines.js';

const at = '2026-12-02T09:00:00.000Z';
const conversation = (id: string): Conversation => ({
  id,
  customerEmail: `${id}@customer.test`,
  ownerEmail: 'alice@team.test',
  subject: 'Invoice',
  status: 'open',
  createdAt: at,
  updatedAt: at,
  customerThread: [],
  ownerThread: [],
});
const opened = (nudge: string, due: string) =>
  openPromise(
    {},
    {
      receivedAt: new Date(at),
      kind: 'first-response',
      times: { nudgeAt: new Date(nudge), dueAt: new Date(due) },
    },
  );

describe.each<DynamoEngine>([dynaliteEngine, dynamoDbLocalEngine])(
  'promise store and due index on $name',
  (engine) => {
    if (engine.skipReason !== undefined) {
      it.skip(`skipped: ${engine.skipReason}`, () => {});
      return;
    }
    let running: RunningDynamoEngine;
    let store: DynamoDbSupportStore;
    let table: DynamoDbTable;
    let tables = 0;
    beforeAll(async () => {
      running = await engine.start();
    });
    afterAll(async () => {
      await running?.close();
    });
    beforeEach(async () => {
      tables += 1;
      const tableName = `promises-${tables}`;
      await ensureTable(running.clients.dynamodb, tableName);
      store = new DynamoDbSupportStore({ client: running.clients.doc, tableName });
      table = new DynamoDbTable(running.clients.doc, tableName);
    });

    it('lists a promise under the day of its next event, and moves the entry with the promise', async () => {
      await store.createConversation(conversation('c1'));
      const slot = opened('2026-12-02T12:00:00Z', '2026-12-03T13:00:00Z');
      expect(await store.writePromise('c1', slot, 0, at)).toBe(true);
      const [entry] = await store.readDueBucket('2026-12-02');
      expect(entry).toEqual({
        conversationId: 'c1',
        customerEmail: 'c1@customer.test',
        ownerEmail: 'alice@team.test',
        promise: slot.promise,
        at: '2026-12-02T12:00:00.000Z',
      });
      // Not yet due before its time.
      expect(await store.readDueBucket('2026-12-02', '2026-12-02T11:59:59.999Z')).toEqual([]);
      expect(await store.readDueBucket('2026-12-02', '2026-12-02T12:00:00.000Z')).toHaveLength(1);

      const stored = await store.getConversation('c1');
      expect(stored?.promise).toEqual(slot.promise);
      expect(stored?.promiseRev).toBe(1);
      if (!slot.promise) throw new Error('no promise');
      const nudged = { ...slot, promise: markNudged(slot.promise, new Date('2026-12-02T12:00:00Z')) };
      expect(await store.writePromise('c1', nudged, 1, at)).toBe(true);
      expect(await store.readDueBucket('2026-12-02')).toEqual([]);
      expect((await store.readDueBucket('2026-12-03')).map((e) => e.at)).toEqual([
        '2026-12-03T13:00:00.000Z',
      ]);

      // The item's index keys stay the store's: the domain record does not show them.
      const raw = await table.getItem(keys.conversation('c1'));
      expect(raw?.duepk).toBe('DUE#2026-12-03');
      expect(Object.keys(stored ?? {})).not.toContain('duepk');
    });

    it('writes a transition only over the revision it was decided from: of two racing sweeps one wins', async () => {
      await store.createConversation(conversation('c2'));
      const slot = opened('2026-12-02T12:00:00Z', '2026-12-02T13:00:00Z');
      await store.writePromise('c2', slot, 0, at);
      if (!slot.promise) throw new Error('no promise');
      const next = { ...slot, promise: markNudged(slot.promise, new Date('2026-12-02T12:00:00Z')) };
      const results = await Promise.all([
        store.writePromise('c2', next, 1, at),
        store.writePromise('c2', next, 1, at),
        store.writePromise('c2', next, 1, at),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.getConversation('c2'))?.promiseRev).toBe(2);
      // A stale writer and a missing conversation are refused, not thrown.
      expect(await store.writePromise('c2', slot, 1, at)).toBe(false);
      expect(await store.writePromise('nope', slot, 0, at)).toBe(false);
    });

    it('ends a promise and its entry, keeping the epoch for the next one', async () => {
      await store.createConversation(conversation('c3'));
      const slot = opened('2026-12-02T12:00:00Z', '2026-12-02T13:00:00Z');
      await store.writePromise('c3', slot, 0, at);
      expect(await store.writePromise('c3', { promise: undefined, promiseEpoch: 1 }, undefined, at)).toBe(
        true,
      );
      const stored = await store.getConversation('c3');
      expect(stored?.promise).toBeUndefined();
      expect(stored?.promiseEpoch).toBe(1);
      expect(await store.readDueBucket('2026-12-02')).toEqual([]);
      expect((await table.getItem(keys.conversation('c3')))?.duepk).toBeUndefined();
    });

    it('files far pauses under later, finished escalations under idle, and past events where the sweep reads', async () => {
      for (const id of ['c4', 'c5', 'c6']) await store.createConversation(conversation(id));
      const base = opened('2026-12-02T12:00:00Z', '2026-12-02T13:00:00Z');
      const paused = pausePromise(base, {
        waitUntil: '2027-06-01',
        resumeAt: new Date('2027-06-01T07:00:00Z'),
        now: new Date(at),
      });
      await store.writePromise('c4', paused, 0, at);
      if (!base.promise) throw new Error('no promise');
      const told = markLeadTold(
        markEscalated(base.promise, { to: 'bob@team.test', at: new Date(at) }),
        new Date(at),
      );
      await store.writePromise('c5', { ...base, promise: told }, 0, at);
      // Written on the 5th with a nudge time already past (an old mail replayed): due at once, on the 5th.
      await store.writePromise('c6', base, 0, '2026-12-05T10:00:00.000Z');
      expect(
        (await store.readDueBucket('later', '2027-06-01T07:00:00.000Z')).map((e) => e.conversationId),
      ).toEqual(['c4']);
      expect((await store.readDueBucket('idle')).map((e) => e.conversationId)).toEqual(['c5']);
      expect((await store.readDueBucket('2026-12-05', '2026-12-05T10:00:00.000Z')).map((e) => e.at)).toEqual([
        '2026-12-02T12:00:00.000Z',
      ]);
    });

    it('keeps the sweep cursor moving forward only', async () => {
      expect(await store.getSweepCursor()).toBeUndefined();
      await store.advanceSweepCursor('2026-12-04');
      await store.advanceSweepCursor('2026-12-02');
      expect(await store.getSweepCursor()).toBe('2026-12-04');
      await store.advanceSweepCursor('2026-12-05');
      expect(await store.getSweepCursor()).toBe('2026-12-05');
    });
  },
);
