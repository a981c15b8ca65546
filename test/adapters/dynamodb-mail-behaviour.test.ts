import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import { ConditionFailedError } from '../../lib/domain/errors.js';
import type { Conversation } from '../../lib/domain/types.js';
import { ensureTable } from '../../lib/local/embedded-engines.js';
import {
  type DynamoEngine,
  dynaliteEngine,
  dynamoDbLocalEngine,
  type RunningDynamoEngine,
} from './engines.js';

function conversation(id: string, updatedAt: string): Conversation {
  return {
    id,
    customerEmail: `${id}@customer.test`,
    ownerEmail: 'alice@agents.test',
    subject: 'Subject',
    status: 'open',
    createdAt: updatedAt,
    updatedAt,
    customerThread: [],
    ownerThread: [],
  };
}

describe.each<DynamoEngine>([dynaliteEngine, dynamoDbLocalEngine])(
  'DynamoDbSupportStore, reply-all and figures, on $name',
  (engine) => {
    if (engine.skipReason !== undefined) {
      it.skip(`skipped: ${engine.skipReason}`, () => {});
      return;
    }
    let running: RunningDynamoEngine;
    let store: DynamoDbSupportStore;

    beforeAll(async () => {
      running = await engine.start();
      await ensureTable(running.clients.dynamodb, 'mail-behaviour');
      store = new DynamoDbSupportStore({ client: running.clients.doc, tableName: 'mail-behaviour' });
    });
    afterAll(async () => {
      await running?.close();
    });

    it('adds participants once each, in order, and refuses a missing conversation', async () => {
      await store.createConversation(conversation('p1', '2026-11-01T00:00:00.000Z'));
      await store.addParticipants('p1', ['carol@c.test', 'dave@c.test'], '2026-11-02T00:00:00.000Z');
      await store.addParticipants(
        'p1',
        ['dave@c.test', 'carol@c.test', 'erin@c.test'],
        '2026-11-03T00:00:00.000Z',
      );
      const stored = await store.getConversation('p1');
      expect(stored?.participants).toEqual(['carol@c.test', 'dave@c.test', 'erin@c.test']);
      expect(stored?.updatedAt).toBe('2026-11-03T00:00:00.000Z');
      await expect(store.addParticipants('absent', ['x@c.test'], '2026-11-03T00:00:00.000Z')).rejects.toThrow(
        ConditionFailedError,
      );
    });

    it('keeps at most ten participants, and takes one off by address', async () => {
      await store.createConversation(conversation('cap', '2026-11-01T00:00:00.000Z'));
      const many = Array.from({ length: 12 }, (_, i) => `p${i}@c.test`);
      await store.addParticipants('cap', many, '2026-11-02T00:00:00.000Z');
      expect((await store.getConversation('cap'))?.participants).toEqual(many.slice(0, 10));
      expect(await store.removeParticipant('cap', 'p3@c.test', '2026-11-03T00:00:00.000Z')).toBe(true);
      expect(await store.removeParticipant('cap', 'p3@c.test', '2026-11-03T00:00:00.000Z')).toBe(false);
      const stored = await store.getConversation('cap');
      expect(stored?.participants).toEqual(many.slice(0, 10).filter((a) => a !== 'p3@c.test'));
      await expect(store.removeParticipant('absent', 'x@c.test', '2026-11-03T00:00:00.000Z')).rejects.toThrow(
        ConditionFailedError,
      );
    });

    it('counts against a capped counter: a retry keeps its place, nothing is written past the cap', async () => {
      const counts = [];
      for (const id of ['a', 'b', 'c', 'd', 'b']) counts.push(await store.countCapped('new', 'h1', id, 3, 0));
      expect(counts).toEqual([
        { admitted: true, position: 1 },
        { admitted: true, position: 2 },
        { admitted: true, position: 3 },
        { admitted: false, position: 4 },
        { admitted: true, position: 2 },
      ]);
      expect(await store.countCapped('new', 'h2', 'd', 3, 0)).toEqual({ admitted: true, position: 1 });
    });

    it('fills in a missing customer name once and never replaces one', async () => {
      await store.createCustomer({ email: 'n@c.test', ownerEmail: 'alice@agents.test', since: '2026-11-01' });
      await store.fillCustomerName('n@c.test', 'Nia');
      await store.fillCustomerName('n@c.test', 'Other');
      await store.fillCustomerName('absent@c.test', 'Nobody');
      expect((await store.getCustomer('n@c.test'))?.name).toBe('Nia');
      expect(await store.getCustomer('absent@c.test')).toBeUndefined();
    });

    it('lists conversations updated since a time, oldest first, and nothing else', async () => {
      await store.createConversation(conversation('old', '2026-09-01T00:00:00.000Z'));
      await store.createConversation(conversation('new2', '2026-11-20T00:00:00.000Z'));
      await store.createConversation(conversation('new1', '2026-11-10T00:00:00.000Z'));
      await store.putOwner({
        email: 'alice@agents.test',
        name: 'A',
        active: true,
        createdAt: '2026-11-15T00:00:00.000Z',
      });
      const listed = await store.listConversationsUpdatedSince('2026-11-05T00:00:00.000Z');
      expect(listed.map((c) => c.id)).toEqual(['new1', 'new2']);
    });
  },
);
