import { randomBytes, randomUUID } from 'node:crypto';
import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore, keys } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import { TTL_ATTRIBUTE } from '../../lib/adapters/dynamodb/table-schema.js';
import { ConditionFailedError, PermanentFailureError } from '../../lib/domain/errors.js';
import { THREAD_LIMIT, trimReferences } from '../../lib/domain/thread-conversation.js';
import type { Conversation, ConversationMessage, Customer, Owner } from '../../lib/domain/types.js';
import { ensureTable } from '../../lib/local/embedded-engines.js';
import {
  type DynamoEngine,
  dynaliteEngine,
  dynamoDbLocalEngine,
  type RunningDynamoEngine,
} from './engines.js';

const INTERNAL = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'type', TTL_ATTRIBUTE];

function owner(email: string, overrides: Partial<Owner> = {}): Owner {
  return {
    email,
    name: `Name of ${email}`,
    active: true,
    createdAt: '2024-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function conversation(
  id: string,
  customerEmail: string,
  overrides: Partial<Conversation> = {},
): Conversation {
  return {
    id,
    customerEmail,
    ownerEmail: 'alice@agents.test',
    subject: 'Printer on fire',
    status: 'open',
    createdAt: '2024-02-01T10:00:00.000Z',
    updatedAt: '2024-02-01T10:00:00.000Z',
    customerThread: ['<first@customer.test>'],
    ownerThread: [],
    ...overrides,
  };
}

function message(
  conversationId: string,
  id: string,
  at: string,
  overrides: Partial<ConversationMessage> = {},
) {
  const value: ConversationMessage = {
    conversationId,
    id,
    at,
    direction: 'from-customer',
    fromAddress: 'jane@customer.test',
    fromName: 'Jane Doe',
    subject: 'Help',
    text: `text of ${id}`,
    attachments: [],
    ...overrides,
  };
  return value;
}

function expectNoInternalAttributes(value: object | undefined): void {
  expect(value).toBeDefined();
  for (const name of INTERNAL) expect(Object.keys(value ?? {})).not.toContain(name);
}

describe.each<DynamoEngine>([dynaliteEngine, dynamoDbLocalEngine])(
  'DynamoDbSupportStore on $name',
  (engine) => {
    if (engine.skipReason !== undefined) {
      it.skip(`skipped: ${engine.skipReason}`, () => {});
      return;
    }

    let running: RunningDynamoEngine;
    let store: DynamoDbSupportStore;
    let tableName: string;
    let tableCount = 0;

    beforeAll(async () => {
      running = await engine.start();
    });

    afterAll(async () => {
      await running?.close();
    });

    // A fresh table per test keeps table-wide reads (owners, all customers, the counter) independent.
    beforeEach(async () => {
      tableCount += 1;
      tableName = `store-test-${tableCount}`;
      await ensureTable(running.clients.dynamodb, tableName);
      store = new DynamoDbSupportStore({ client: running.clients.doc, tableName });
    });

    function rawItem(key: Record<string, unknown>) {
      return running.clients.doc.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
      );
    }

    describe('owners', () => {
      it('round-trips an owner without internal attributes', async () => {
        const alice = owner('alice@agents.test');
        await store.putOwner(alice);
        const stored = await store.getOwner(alice.email);
        expect(stored).toEqual(alice);
        expectNoInternalAttributes(stored);
        expect(await store.getOwner('nobody@agents.test')).toBeUndefined();
      });

      it('lists owners by email and replaces on put', async () => {
        await store.putOwner(owner('carol@agents.test'));
        await store.putOwner(owner('alice@agents.test'));
        await store.putOwner(owner('bob@agents.test'));
        await store.putOwner(owner('bob@agents.test', { active: false, name: 'Robert' }));
        const owners = await store.listOwners();
        expect(owners.map((o) => o.email)).toEqual([
          'alice@agents.test',
          'bob@agents.test',
          'carol@agents.test',
        ]);
        expect(owners[1]).toEqual(owner('bob@agents.test', { active: false, name: 'Robert' }));
        for (const o of owners) expectNoInternalAttributes(o);
      });

      it('deletes an owner, and deleting twice is fine', async () => {
        await store.putOwner(owner('alice@agents.test'));
        await store.deleteOwner('alice@agents.test');
        await store.deleteOwner('alice@agents.test');
        expect(await store.getOwner('alice@agents.test')).toBeUndefined();
        expect(await store.listOwners()).toEqual([]);
      });
    });

    describe('customers', () => {
      it('creates a customer once; a second create returns the first record', async () => {
        const jane: Customer = {
          email: 'jane@customer.test',
          name: 'Jane',
          ownerEmail: 'alice@agents.test',
          since: '2024-01-01T00:00:00.000Z',
        };
        expect(await store.createCustomer(jane)).toEqual(jane);
        const second = await store.createCustomer({ ...jane, ownerEmail: 'bob@agents.test', name: 'J.' });
        expect(second).toEqual(jane);
        const stored = await store.getCustomer(jane.email);
        expect(stored).toEqual(jane);
        expectNoInternalAttributes(stored);
        expect(await store.getCustomer('other@customer.test')).toBeUndefined();
      });

      it('stores no attribute for an absent optional name', async () => {
        const joe: Customer = {
          email: 'joe@customer.test',
          ownerEmail: 'a@agents.test',
          since: '2024-01-01T00:00:00Z',
        };
        await store.createCustomer({ ...joe, name: undefined });
        const stored = await store.getCustomer(joe.email);
        expect(stored).toEqual(joe);
        expect(stored && 'name' in stored).toBe(false);
      });

      it('50 concurrent first creates with different owners agree on one winner', async () => {
        const email = `race-${randomUUID()}@customer.test`;
        const candidates = Array.from({ length: 50 }, (_, i) => `owner${i}@agents.test`);
        const results = await Promise.all(
          candidates.map((ownerEmail) =>
            store.createCustomer({ email, ownerEmail, since: '2024-01-01T00:00:00Z' }),
          ),
        );
        const winner = results[0];
        expect(winner).toBeDefined();
        expect(candidates).toContain(winner?.ownerEmail);
        for (const result of results) expect(result).toEqual(winner);
        expect(await store.getCustomer(email)).toEqual(winner);
        expect(await store.listCustomers()).toEqual([winner]);
      });

      it('lists customers per owner and all customers, following a handoff', async () => {
        const since = '2024-01-01T00:00:00.000Z';
        await store.createCustomer({ email: 'c@customer.test', ownerEmail: 'alice@agents.test', since });
        await store.createCustomer({ email: 'a@customer.test', ownerEmail: 'alice@agents.test', since });
        await store.createCustomer({ email: 'b@customer.test', ownerEmail: 'bob@agents.test', since });
        await store.putOwner(owner('alice@agents.test'));
        await store.createConversation(conversation('conv-1', 'a@customer.test'));

        const ofAlice = await store.listCustomers('alice@agents.test');
        expect(ofAlice.map((c) => c.email)).toEqual(['a@customer.test', 'c@customer.test']);
        for (const c of ofAlice) expectNoInternalAttributes(c);
        expect((await store.listCustomers()).map((c) => c.email)).toEqual([
          'a@customer.test',
          'b@customer.test',
          'c@customer.test',
        ]);

        await store.updateCustomerOwner('a@customer.test', 'bob@agents.test');
        expect((await store.getCustomer('a@customer.test'))?.ownerEmail).toBe('bob@agents.test');
        expect((await store.listCustomers('alice@agents.test')).map((c) => c.email)).toEqual([
          'c@customer.test',
        ]);
        expect((await store.listCustomers('bob@agents.test')).map((c) => c.email)).toEqual([
          'a@customer.test',
          'b@customer.test',
        ]);
        expect(await store.listCustomers('nobody@agents.test')).toEqual([]);
      });

      it('refuses to hand off a customer that does not exist, creating nothing', async () => {
        await expect(
          store.updateCustomerOwner('ghost@customer.test', 'bob@agents.test'),
        ).rejects.toBeInstanceOf(ConditionFailedError);
        expect((await rawItem(keys.customer('ghost@customer.test'))).Item).toBeUndefined();
      });
    });

    describe('nextAssignmentSequence', () => {
      it('counts from 1', async () => {
        expect(await store.nextAssignmentSequence()).toBe(1);
        expect(await store.nextAssignmentSequence()).toBe(2);
        expect(await store.nextAssignmentSequence()).toBe(3);
      });

      it('gives distinct consecutive numbers to 40 concurrent callers', async () => {
        const numbers = await Promise.all(Array.from({ length: 40 }, () => store.nextAssignmentSequence()));
        expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      });
    });

    describe('open counts', () => {
      it('takes a count only from the value seen, so concurrent takers of one owner get one each', async () => {
        expect(await store.openCounts(['alice@agents.test'])).toEqual(new Map());
        const taken = await Promise.all(
          Array.from({ length: 10 }, () => store.takeOpenCount('alice@agents.test', 0)),
        );
        expect(taken.filter(Boolean)).toHaveLength(1);
        expect(await store.takeOpenCount('alice@agents.test', 0)).toBe(false);
        expect(await store.takeOpenCount('alice@agents.test', 1)).toBe(true);
        expect(await store.openCounts(['alice@agents.test', 'bob@agents.test'])).toEqual(
          new Map([['alice@agents.test', 2]]),
        );
      });

      it('adds and takes away concurrently without losing any, and never goes below 0', async () => {
        await store.putOwner(owner('alice@agents.test'));
        await Promise.all(Array.from({ length: 12 }, () => store.addOpenCount('alice@agents.test', 1)));
        await Promise.all(Array.from({ length: 5 }, () => store.addOpenCount('alice@agents.test', -1)));
        expect((await store.openCounts(['alice@agents.test'])).get('alice@agents.test')).toBe(7);
        await store.addOpenCount('alice@agents.test', -20);
        expect((await store.openCounts(['alice@agents.test'])).get('alice@agents.test')).toBe(0);
        await store.addOpenCount('nobody@agents.test', -1);
        expect(await store.openCounts(['nobody@agents.test'])).toEqual(new Map());
        // The owner record is rewritten (an absence, a sync) without touching the count beside it.
        await store.putOwner(owner('alice@agents.test', { name: 'Alice Again' }));
        await store.addOpenCount('alice@agents.test', 1);
        expect((await store.openCounts(['alice@agents.test'])).get('alice@agents.test')).toBe(1);
        expect(await store.getOwner('alice@agents.test')).toEqual(
          owner('alice@agents.test', { name: 'Alice Again' }),
        );
      });

      it('marks whose count includes a conversation once per move, and keeps the mark out of the record', async () => {
        await store.createConversation(conversation('conv-count', 'jane@customer.test'));
        expect(await store.markOpenCountedFor('conv-count', 'alice@agents.test')).toEqual({ changed: true });
        expect(await store.markOpenCountedFor('conv-count', 'alice@agents.test')).toEqual({ changed: false });
        expect(await store.markOpenCountedFor('conv-count', 'bob@agents.test')).toEqual({
          changed: true,
          previous: 'alice@agents.test',
        });
        expect(await store.markOpenCountedFor('conv-count', undefined)).toEqual({
          changed: true,
          previous: 'bob@agents.test',
        });
        expect(await store.markOpenCountedFor('conv-count', undefined)).toEqual({ changed: false });
        expect(await store.markOpenCountedFor('missing', 'alice@agents.test')).toEqual({ changed: false });
        await store.markOpenCountedFor('conv-count', 'alice@agents.test');
        expect(await store.getConversation('conv-count')).toEqual(
          conversation('conv-count', 'jane@customer.test'),
        );
      });
    });

    describe('conversations', () => {
      it('creates once and returns the existing record on a repeat', async () => {
        const first = conversation('conv-a', 'jane@customer.test');
        expect(await store.createConversation(first)).toEqual(first);
        const again = await store.createConversation({
          ...first,
          subject: 'other',
          ownerEmail: 'bob@agents.test',
        });
        expect(again).toEqual(first);
        const stored = await store.getConversation('conv-a');
        expect(stored).toEqual(first);
        expectNoInternalAttributes(stored);
        expect(await store.getConversation('missing')).toBeUndefined();
      });

      it('returns the same winner to concurrent creates', async () => {
        const base = conversation('conv-race', 'jane@customer.test');
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.createConversation({ ...base, subject: `subject ${i}` }),
          ),
        );
        for (const result of results) expect(result).toEqual(results[0]);
        expect(await store.getConversation('conv-race')).toEqual(results[0]);
      });

      it("lists one customer's conversations newest first", async () => {
        await store.createConversation(
          conversation('c-old', 'jane@customer.test', { createdAt: '2024-01-01T00:00:00Z' }),
        );
        await store.createConversation(
          conversation('c-new', 'jane@customer.test', { createdAt: '2024-03-01T00:00:00Z' }),
        );
        await store.createConversation(
          conversation('c-mid', 'jane@customer.test', { createdAt: '2024-02-01T00:00:00Z' }),
        );
        await store.createConversation(conversation('c-other', 'joe@customer.test'));
        await store.createCustomer({
          email: 'jane@customer.test',
          ownerEmail: 'a@agents.test',
          since: '2024-01-01',
        });
        const listed = await store.listConversations('jane@customer.test');
        expect(listed.map((c) => c.id)).toEqual(['c-new', 'c-mid', 'c-old']);
        for (const c of listed) expectNoInternalAttributes(c);
        expect(await store.listConversations('nobody@customer.test')).toEqual([]);
      });

      it('appends ids in order, once each, and sets updatedAt', async () => {
        await store.createConversation(conversation('conv-t', 'jane@customer.test'));
        await store.appendToThread(
          'conv-t',
          'customerThread',
          ['<a@x>', '<b@x>', '<a@x>'],
          '2024-02-02T00:00:00Z',
        );
        await store.appendToThread('conv-t', 'customerThread', ['<b@x>', '<c@x>'], '2024-02-03T00:00:00Z');
        await store.appendToThread('conv-t', 'ownerThread', ['<o1@x>', '<a@x>'], '2024-02-04T00:00:00Z');
        await store.appendToThread('conv-t', 'ownerThread', [], '2024-02-05T00:00:00Z');
        const stored = await store.getConversation('conv-t');
        expect(stored?.customerThread).toEqual(['<first@customer.test>', '<a@x>', '<b@x>', '<c@x>']);
        expect(stored?.ownerThread).toEqual(['<o1@x>', '<a@x>']);
        expect(stored?.updatedAt).toBe('2024-02-04T00:00:00Z');
      });

      it('keeps every one of THREAD_LIMIT concurrent appends exactly once', async () => {
        await store.createConversation(conversation('conv-c', 'jane@customer.test', { ownerThread: [] }));
        const ids = Array.from({ length: THREAD_LIMIT }, (_, i) => `<m${i}@x>`);
        // Each id twice, concurrently: the duplicates race against their twins.
        await Promise.all(
          [...ids, ...ids].map((id) =>
            store.appendToThread('conv-c', 'ownerThread', [id], '2024-02-02T00:00:00Z'),
          ),
        );
        const thread = (await store.getConversation('conv-c'))?.ownerThread ?? [];
        expect(thread).toHaveLength(THREAD_LIMIT);
        expect([...thread].sort()).toEqual([...ids].sort());
      });

      it('keeps a thread to its first id and the newest THREAD_LIMIT - 1, counting what it drops', async () => {
        await store.createConversation(conversation('conv-b', 'jane@customer.test'));
        const ids = Array.from({ length: 60 }, (_, i) => `<b${i}@x>`);
        // Half through the single write with the caller's copy, half through appendToThread.
        let seen = (await store.getConversation('conv-b')) as Conversation;
        for (const id of ids.slice(0, 30)) {
          await store.recordThreads(
            'conv-b',
            { customerThread: id, ownerThread: id },
            '2024-02-02T00:00:00Z',
            seen,
          );
          seen = (await store.getConversation('conv-b')) as Conversation;
        }
        for (const id of ids.slice(30))
          await store.appendToThread('conv-b', 'customerThread', [id], '2024-02-03T00:00:00Z');
        // An id already there (a retry) changes nothing, trimmed list or not.
        await store.recordThreads(
          'conv-b',
          { customerThread: ids.at(-1) as string },
          '2024-02-04T00:00:00Z',
          seen,
        );
        const stored = (await store.getConversation('conv-b')) as Conversation;
        const customerSide = ['<first@customer.test>', ...ids];
        expect(stored.customerThread).toEqual(trimReferences(customerSide));
        expect(stored.customerThread).toHaveLength(THREAD_LIMIT);
        expect(stored.customerThreadDropped).toBe(customerSide.length - THREAD_LIMIT);
        expect(stored.ownerThread).toEqual(trimReferences(ids.slice(0, 30)));
        expect(stored.ownerThreadDropped).toBe(30 - THREAD_LIMIT);
      });

      it('keeps a full thread at its bound under concurrent appends, losing none to a race', async () => {
        const full = Array.from({ length: THREAD_LIMIT }, (_, i) => `<f${i}@x>`);
        await store.createConversation(conversation('conv-f', 'jane@customer.test', { ownerThread: full }));
        const ids = Array.from({ length: 20 }, (_, i) => `<n${i}@x>`);
        const seen = (await store.getConversation('conv-f')) as Conversation;
        // Every writer holds the same (soon stale) copy: all but one find the list moved and try again.
        await Promise.all(
          ids.map((id) => store.recordThreads('conv-f', { ownerThread: id }, '2024-02-02T00:00:00Z', seen)),
        );
        const stored = (await store.getConversation('conv-f')) as Conversation;
        expect(stored.ownerThread).toHaveLength(THREAD_LIMIT);
        expect(stored.ownerThread[0]).toBe('<f0@x>');
        // Each append dropped exactly one id: none was lost to a concurrent write or written twice.
        expect(stored.ownerThreadDropped).toBe(ids.length);
        expect(stored.ownerThread.slice(1).every((id) => ids.includes(id))).toBe(true);
        expect(new Set(stored.ownerThread).size).toBe(THREAD_LIMIT);
      });

      it('trims a thread stored longer than the bound on its next append', async () => {
        const long = Array.from({ length: 4000 }, (_, i) => `<old-${i}-${'x'.repeat(40)}@x>`);
        await store.createConversation(conversation('conv-l', 'jane@customer.test', { ownerThread: long }));
        const before = JSON.stringify((await rawItem(keys.conversation('conv-l'))).Item).length;
        const seen = (await store.getConversation('conv-l')) as Conversation;
        await store.recordThreads('conv-l', { ownerThread: '<new@x>' }, '2024-02-02T00:00:00Z', seen);
        const after = (await rawItem(keys.conversation('conv-l'))).Item as Conversation;
        expect(after.ownerThread).toEqual(trimReferences([...long, '<new@x>']));
        expect(after.ownerThreadDropped).toBe(long.length + 1 - THREAD_LIMIT);
        expect(before).toBeGreaterThan(200_000);
        expect(JSON.stringify(after).length).toBeLessThan(3_000);
      });

      it('records the first answer once, with the threads or after a retry found them written', async () => {
        await store.createConversation(conversation('conv-a', 'jane@customer.test'));
        const first = { id: 'in-1', at: '2024-02-02T00:00:00Z', seconds: 60 };
        await store.recordThreads('conv-a', { customerThread: '<r1@x>', firstAnswer: first }, first.at);
        await store.recordThreads(
          'conv-a',
          { customerThread: '<r2@x>', firstAnswer: { id: 'in-2', at: 'later' } },
          'x',
        );
        expect((await store.getConversation('conv-a'))?.firstAnswer).toEqual(first);
        await store.createConversation(conversation('conv-r', 'jane@customer.test'));
        await store.appendToThread('conv-r', 'customerThread', ['<r1@x>'], first.at);
        // The threads were written before a crash: the retry still records the answer.
        await store.recordThreads('conv-r', { customerThread: '<r1@x>', firstAnswer: first }, first.at);
        expect((await store.getConversation('conv-r'))?.firstAnswer).toEqual(first);
      });

      it('counts each relay once in its loop window, with its thread entry, whatever the races and retries', async () => {
        await store.createConversation(conversation('conv-p', 'jane@customer.test', { ownerThread: [] }));
        const at = '2024-02-02T00:00:00Z';
        const seen = (await store.getConversation('conv-p')) as Conversation;
        // Ten relays of one window, all holding the same (soon stale) copy; each also retried.
        const ids = Array.from({ length: 10 }, (_, i) => `<p${i}@x>`);
        await Promise.all(
          [...ids, ...ids].map((id) =>
            store.recordThreads('conv-p', { ownerThread: id, paceWindow: 7 }, at, seen),
          ),
        );
        expect(await store.getConversation('conv-p')).toMatchObject({ paceWindow: 7, paceCount: 10 });
        // A newer window starts again at 1; a late mail of an older window counts nothing against it.
        let current = (await store.getConversation('conv-p')) as Conversation;
        await store.recordThreads('conv-p', { ownerThread: '<q1@x>', paceWindow: 8 }, at, current);
        current = (await store.getConversation('conv-p')) as Conversation;
        await store.recordThreads('conv-p', { ownerThread: '<q0@x>', paceWindow: 7 }, at, seen);
        expect(await store.getConversation('conv-p')).toMatchObject({ paceWindow: 8, paceCount: 1 });
        await store.recordThreads('conv-p', { ownerThread: '<q2@x>', paceWindow: 8 }, at, current);
        expect(await store.getConversation('conv-p')).toMatchObject({ paceWindow: 8, paceCount: 2 });
      });

      it('refuses to append to a conversation that does not exist, creating nothing', async () => {
        await expect(
          store.appendToThread('ghost', 'customerThread', ['<a@x>'], '2024-02-02T00:00:00Z'),
        ).rejects.toBeInstanceOf(ConditionFailedError);
        expect((await rawItem(keys.conversation('ghost'))).Item).toBeUndefined();
      });
      it('changes owner and status of an existing conversation only', async () => {
        await store.createConversation(conversation('conv-u', 'jane@customer.test'));
        await store.updateConversation('conv-u', { ownerEmail: 'bob@support.test' }, '2024-03-01T00:00:00Z');
        await store.updateConversation('conv-u', { status: 'closed' }, '2024-03-02T00:00:00Z');
        const stored = await store.getConversation('conv-u');
        expect(stored).toMatchObject({
          ownerEmail: 'bob@support.test',
          status: 'closed',
          updatedAt: '2024-03-02T00:00:00Z',
        });
        expectNoInternalAttributes(stored);
        await expect(
          store.updateConversation('ghost', { status: 'open' }, '2024-03-03T00:00:00Z'),
        ).rejects.toBeInstanceOf(ConditionFailedError);
        expect((await rawItem(keys.conversation('ghost'))).Item).toBeUndefined();
      });
    });

    describe('Message-ID links', () => {
      /** The conversation each linked id threads into, as the mail path's batched read finds it. */
      async function linkedConversations(messageIds: string[]): Promise<Map<string, string>> {
        const { links } = await store.lookUp({ messageIds });
        return new Map([...links].map(([id, link]) => [id, link.conversationId]));
      }

      it('finds linked ids and leaves unknown ones out', async () => {
        await store.linkMessageIds(['<a@x>', '<b@x>'], 'conv-1');
        await store.linkMessageIds(['<a@x>', '<b@x>'], 'conv-1');
        await store.linkMessageIds(['<c@x>'], 'conv-2');
        const found = await linkedConversations(['<a@x>', '<c@x>', '<unknown@x>', '<a@x>']);
        expect(found).toEqual(
          new Map([
            ['<a@x>', 'conv-1'],
            ['<c@x>', 'conv-2'],
          ]),
        );
        expect(await linkedConversations([])).toEqual(new Map());
      });

      it('keeps the first conversation an id was linked to', async () => {
        await store.linkMessageIds(['<shared@x>'], 'conv-first');
        await store.linkMessageIds(['<shared@x>'], 'conv-second');
        expect((await linkedConversations(['<shared@x>'])).get('<shared@x>')).toBe('conv-first');
      });

      it('looks up more ids than one BatchGet carries', async () => {
        const ids = Array.from({ length: 250 }, (_, i) => `<bulk-${i}@x>`);
        await store.linkMessageIds(ids, 'conv-bulk');
        const found = await linkedConversations([...ids, '<missing@x>']);
        expect(found.size).toBe(250);
        for (const id of ids) expect(found.get(id)).toBe('conv-bulk');
      });
    });

    describe('messages', () => {
      it('lists messages oldest first; storing one twice keeps one item', async () => {
        const second = message('conv-m', 'in-2', '2024-02-02T00:00:00.000Z', {
          rfcMessageId: '<in-2@customer.test>',
          rawKey: 'inbound/in-2',
          attachments: [{ filename: 'a.pdf', contentType: 'application/pdf', size: 1234 }],
        });
        const first = message('conv-m', 'in-1', '2024-02-01T00:00:00.000Z', { direction: 'note' });
        await store.putMessage(second);
        await store.putMessage(first);
        await store.putMessage(second);
        await store.putMessage(message('conv-other', 'x', '2024-02-01T00:00:00.000Z'));
        await store.createConversation(conversation('conv-m', 'jane@customer.test'));
        const listed = await store.listMessages('conv-m');
        expect(listed).toEqual([first, second]);
        for (const m of listed) expectNoInternalAttributes(m);
        expect(await store.listMessages('none')).toEqual([]);
      });

      it('stores an empty text and subject', async () => {
        const empty = message('conv-e', 'e-1', '2024-02-01T00:00:00.000Z', { text: '', subject: '' });
        await store.putMessage(empty);
        expect(await store.listMessages('conv-e')).toEqual([empty]);
      });

      it('stores a long text compressed and reads it back whole; one stored plain still reads', async () => {
        const text = Array.from(
          { length: 60 },
          (_, n) => `Zeile ${n}: Der Drucker im zweiten Stock klemmt wieder — Papierstau, Fach 2. ✓`,
        ).join('\r\n');
        const long = message('conv-z', 'z-1', '2024-02-01T00:00:00.000Z', { text });
        await store.putMessage(long);
        const key = keys.message('conv-z', long.at, long.id);
        const stored = (await rawItem(key)).Item ?? {};
        expect(stored).not.toHaveProperty('text');
        expect(stored.textBr).toBeInstanceOf(Uint8Array);
        // Under a third of the text's 5 KB: two write units where it took five.
        expect((stored.textBr as Uint8Array).length).toBeLessThan(Buffer.byteLength(text) / 3);
        expect(await store.listMessages('conv-z')).toEqual([long]);

        // A message stored before texts were compressed.
        const plain = message('conv-z', 'z-0', '2024-01-31T00:00:00.000Z', { text });
        await running.clients.doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...plain, ...keys.message('conv-z', plain.at, plain.id), type: 'MSG' },
          }),
        );
        expect(await store.listMessages('conv-z')).toEqual([plain, long]);
      });

      it('reports a message over the item size limit as a permanent failure', async () => {
        // Random text: compressed, it is still over the limit.
        const huge = message('conv-h', 'h-1', '2024-02-01T00:00:00.000Z', {
          text: randomBytes(450 * 1024).toString('base64'),
        });
        const error = await store.putMessage(huge).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PermanentFailureError);
        expect((error as PermanentFailureError).reason).toBe('message-too-large');
      });
    });

    describe('inbound claims', () => {
      it('counts attempts and keeps the first rawKey, time and any outcome', async () => {
        const first = await store.claimInbound('ses-1', 'inbound/ses-1', '2024-02-01T00:00:00.000Z');
        expect(first).toEqual({
          id: 'ses-1',
          rawKey: 'inbound/ses-1',
          receivedAt: '2024-02-01T00:00:00.000Z',
          attempts: 1,
        });
        expectNoInternalAttributes(first);
        await store.recordOutcome('ses-1', {
          status: 'relayed-to-owner',
          conversationId: 'conv-1',
          reason: undefined,
          ownerEmail: 'alice@agents.test',
        });
        const second = await store.claimInbound('ses-1', 'inbound/other', '2024-02-09T00:00:00.000Z');
        expect(second).toEqual({
          id: 'ses-1',
          rawKey: 'inbound/ses-1',
          receivedAt: '2024-02-01T00:00:00.000Z',
          attempts: 2,
          outcome: { status: 'relayed-to-owner', conversationId: 'conv-1', ownerEmail: 'alice@agents.test' },
        });
        expect(await store.getInbound('ses-1')).toEqual(second);
        expect(await store.getInbound('ses-unknown')).toBeUndefined();
      });

      it('gives concurrent claims distinct attempt numbers', async () => {
        const claims = await Promise.all(
          Array.from({ length: 10 }, () =>
            store.claimInbound('ses-c', 'inbound/ses-c', '2024-02-01T00:00:00Z'),
          ),
        );
        expect(claims.map((c) => c.attempts).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      });

      it('replaces an outcome and refuses one for a message never claimed', async () => {
        await store.claimInbound('ses-2', 'inbound/ses-2', '2024-02-01T00:00:00Z');
        await store.recordOutcome('ses-2', { status: 'failed', reason: 'raw-mail-missing' });
        await store.recordOutcome('ses-2', {
          status: 'automatic',
          reason: 'auto-submitted',
          detail: 'vacation',
        });
        expect((await store.getInbound('ses-2'))?.outcome).toEqual({
          status: 'automatic',
          reason: 'auto-submitted',
          detail: 'vacation',
        });
        await expect(store.recordOutcome('ses-never', { status: 'rejected' })).rejects.toBeInstanceOf(
          ConditionFailedError,
        );
        expect(await store.getInbound('ses-never')).toBeUndefined();
      });
    });

    describe('sent mail', () => {
      it('round-trips a record, with and without provider id', async () => {
        const record = {
          key: 'out-1',
          messageId: '<ours@support.test>',
          providerMessageId: '<0100@email.amazonses.com>',
          sentAt: '2024-02-01T00:00:00.000Z',
        };
        await store.recordSentMail(record);
        await store.recordSentMail(record);
        expect(await store.getSentMail('out-1')).toEqual(record);
        const local = { key: 'out-2', messageId: '<o2@support.test>', sentAt: '2024-02-01T00:00:00.000Z' };
        await store.recordSentMail({ ...local, providerMessageId: undefined });
        const stored = await store.getSentMail('out-2');
        expect(stored).toEqual(local);
        expectNoInternalAttributes(stored);
        expect(await store.getSentMail('out-none')).toBeUndefined();
      });
    });

    describe('time to live', () => {
      it('writes expiresAt (epoch seconds) only when configured, and never returns it', async () => {
        const ttlStore = new DynamoDbSupportStore({
          client: running.clients.doc,
          tableName,
          inboundTtlSeconds: 3600,
          sentMailTtlSeconds: 60,
        });
        const receivedAt = '2024-02-01T00:00:00.000Z';
        const epoch = Date.parse(receivedAt) / 1000;
        const claim = await ttlStore.claimInbound('ses-ttl', 'inbound/ses-ttl', receivedAt);
        expectNoInternalAttributes(claim);
        await ttlStore.claimInbound('ses-ttl', 'inbound/ses-ttl', '2024-03-01T00:00:00.000Z');
        expect((await rawItem(keys.inbound('ses-ttl'))).Item?.[TTL_ATTRIBUTE]).toBe(epoch + 3600);
        await ttlStore.recordSentMail({ key: 'sent-ttl', messageId: '<m@x>', sentAt: receivedAt });
        expect((await rawItem(keys.sent('sent-ttl'))).Item?.[TTL_ATTRIBUTE]).toBe(epoch + 60);
        expectNoInternalAttributes(await ttlStore.getSentMail('sent-ttl'));

        await store.claimInbound('ses-no-ttl', 'inbound/ses-no-ttl', receivedAt);
        await store.recordSentMail({ key: 'sent-no-ttl', messageId: '<m@x>', sentAt: receivedAt });
        expect((await rawItem(keys.inbound('ses-no-ttl'))).Item).not.toHaveProperty(TTL_ATTRIBUTE);
        expect((await rawItem(keys.sent('sent-no-ttl'))).Item).not.toHaveProperty(TTL_ATTRIBUTE);
      });

      it('enables TTL on the table where the engine supports it', async () => {
        if (!running.supportsTimeToLive) {
          // dynalite stores expiresAt but has no UpdateTimeToLive: nothing ever expires there.
          await expect(
            ensureTable(running.clients.dynamodb, tableName, { timeToLive: true }),
          ).rejects.toThrow();
          return;
        }
        await ensureTable(running.clients.dynamodb, tableName, { timeToLive: true });
        await ensureTable(running.clients.dynamodb, tableName, { timeToLive: true });
        const described = await running.clients.dynamodb.send(
          new DescribeTimeToLiveCommand({ TableName: tableName }),
        );
        expect(described.TimeToLiveDescription?.AttributeName).toBe(TTL_ATTRIBUTE);
        expect(['ENABLED', 'ENABLING']).toContain(described.TimeToLiveDescription?.TimeToLiveStatus);
      });
    });
  },
);
