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
