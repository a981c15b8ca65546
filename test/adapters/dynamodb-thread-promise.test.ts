import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import { DynamoDbTable } from '../../lib/adapters/dynamodb/dynamodb-table.js';
import { keys } from '../../lib/adapters/dynamodb/item-keys.js';
import { keepPromise, markNudged, openPromise } from '../../lib/domain/promise-state.js';
import { THREAD_LIMIT } from '../../lib/domain/thread-conversation.js';
import type { Conversation } from '../../lib/domain/types.js';
import { ensureTable } from '../../lib/local/embedded-engines.js';
import { dynaliteEngine, type RunningDynamoEngine } from './engines.js';

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
const opened = openPromise(
  {},
  {
    receivedAt: new Date(at),
    kind: 'first-response',
    times: { nudgeAt: new Date('2026-12-02T12:00:00Z'), dueAt: new Date('2026-12-02T13:00:00Z') },
  },
);

/** The relay's thread write carries the promise: one update for both, the index entry moving with it. */
describe('a promise written with the threads', () => {
  let running: RunningDynamoEngine;
  let store: DynamoDbSupportStore;
  let table: DynamoDbTable;
  let tables = 0;
  beforeAll(async () => {
    running = await dynaliteEngine.start();
  });
  afterAll(async () => {
    await running?.close();
  });
  beforeEach(async () => {
    tables += 1;
    const tableName = `thread-promise-${tables}`;
    await ensureTable(running.clients.dynamodb, tableName);
    store = new DynamoDbSupportStore({ client: running.clients.doc, tableName });
    table = new DynamoDbTable(running.clients.doc, tableName);
  });

  it('opens the promise and its due entry in the thread update, and counts it so a sweep decided before loses', async () => {
    await store.createConversation(conversation('c1'));
    await store.recordThreads(
      'c1',
      { customerThread: '<m1@x>', ownerThread: '<r1@x>', promise: opened },
      at,
      {
        customerThread: [],
        ownerThread: [],
      },
    );
    const stored = await store.getConversation('c1');
    expect(stored).toMatchObject({
      customerThread: ['<m1@x>'],
      ownerThread: ['<r1@x>'],
      promise: opened.promise,
      promiseEpoch: 1,
      promiseRev: 1,
    });
    expect((await store.readDueBucket('2026-12-02')).map((e) => e.conversationId)).toEqual(['c1']);
    if (!opened.promise) throw new Error('no promise');
    const nudged = { ...opened, promise: markNudged(opened.promise, new Date('2026-12-02T12:00:00Z')) };
    // A sweep that read the conversation before the promise was written cannot write over it.
    expect(await store.writePromise('c1', nudged, 0, at)).toBe(false);

    // The answer ends it in its own thread write: the entry leaves the index, the epoch stays.
    await store.recordThreads('c1', { customerThread: '<a1@x>', promise: keepPromise(stored ?? {}) }, at, {
      customerThread: ['<m1@x>'],
      ownerThread: ['<r1@x>'],
    });
    const answered = await store.getConversation('c1');
    expect(answered?.promise).toBeUndefined();
    expect(answered?.promiseEpoch).toBe(1);
    expect(answered?.promiseRev).toBe(2);
    expect(await store.readDueBucket('2026-12-02')).toEqual([]);
  });

  it('still writes the promise when a thread already holds the id and the one update fails its condition', async () => {
    await store.createConversation(conversation('c2'));
    await store.recordThreads('c2', { customerThread: '<m2@x>' }, at, {
      customerThread: [],
      ownerThread: [],
    });
    // The id is on the list already: the one update fails, and the fallback writes what is missing.
    await store.recordThreads(
      'c2',
      { customerThread: '<m2@x>', ownerThread: '<r2@x>', promise: opened },
      at,
      {
        customerThread: [],
        ownerThread: [],
      },
    );
    const stored = await store.getConversation('c2');
    expect(stored?.customerThread).toEqual(['<m2@x>']);
    expect(stored?.ownerThread).toEqual(['<r2@x>']);
    expect(stored?.promise).toEqual(opened.promise);
    expect((await store.readDueBucket('2026-12-02')).map((e) => e.conversationId)).toEqual(['c2']);
  });

  it('carries the promise in the append that trims a list stored longer than the limit', async () => {
    await store.createConversation(conversation('c3'));
    const legacy = Array.from({ length: THREAD_LIMIT + 5 }, (_, i) => `<old-${i}@x>`);
    await table.update({
      Key: keys.conversation('c3'),
      UpdateExpression: 'SET #l = :l',
      ExpressionAttributeNames: { '#l': 'customerThread' },
      ExpressionAttributeValues: { ':l': legacy },
    });
    // Read before the list was seen at its length: the one update fails, the append trims and writes.
    await store.recordThreads('c3', { customerThread: '<m3@x>', promise: opened }, at, {
      customerThread: [],
      ownerThread: [],
    });
    const stored = await store.getConversation('c3');
    expect(stored?.customerThread).toHaveLength(THREAD_LIMIT);
    expect(stored?.customerThread.at(-1)).toBe('<m3@x>');
    expect(stored?.promise).toEqual(opened.promise);
    expect(stored?.promiseRev).toBe(1);
  });

  it('trims both lists of an item stored under the old limit of 20 in the one update that appends', async () => {
    const sent: string[] = [];
    const counting = new Proxy(running.clients.doc, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return (command: { constructor: { name: string } }) => {
          sent.push(command.constructor.name);
          return target.send(command as never);
        };
      },
    });
    const counted = new DynamoDbSupportStore({ client: counting, tableName: table.tableName });
    const old = (side: string) => Array.from({ length: 20 }, (_, i) => `<${side}-${i}@x>`);
    await store.createConversation({
      ...conversation('c4'),
      customerThread: old('c'),
      ownerThread: old('o'),
    });
    const seen = (await store.getConversation('c4')) as Conversation;
    sent.length = 0;
    await counted.recordThreads(
      'c4',
      { customerThread: '<m4@x>', ownerThread: '<r4@x>', promise: opened },
      at,
      seen,
    );
    expect(sent).toEqual(['UpdateCommand']);
    const stored = await store.getConversation('c4');
    expect(stored?.customerThread).toEqual(['<c-0@x>', ...old('c').slice(-(THREAD_LIMIT - 2)), '<m4@x>']);
    expect(stored?.ownerThread).toEqual(['<o-0@x>', ...old('o').slice(-(THREAD_LIMIT - 2)), '<r4@x>']);
    expect(stored?.customerThreadDropped).toBe(21 - THREAD_LIMIT);
    expect(stored?.ownerThreadDropped).toBe(21 - THREAD_LIMIT);
    expect(stored?.promise).toEqual(opened.promise);
    // The next mail finds the lists at the limit and takes the usual path: one id in, one out.
    await counted.recordThreads('c4', { customerThread: '<m5@x>' }, at, stored as Conversation);
    expect(sent).toEqual(['UpdateCommand', 'UpdateCommand']);
    const next = await store.getConversation('c4');
    expect(next?.customerThread).toHaveLength(THREAD_LIMIT);
    expect(next?.customerThread.slice(-2)).toEqual(['<m4@x>', '<m5@x>']);
    expect(next?.customerThreadDropped).toBe(22 - THREAD_LIMIT);
  });
});
