import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import { DynamoDbTable } from '../../lib/adapters/dynamodb/dynamodb-table.js';
import { keys } from '../../lib/adapters/dynamodb/item-keys.js';
import { ensureTable } from '../../lib/local/embedded-engines.js';
import { dynaliteEngine, type RunningDynamoEngine } from './engines.js';

/** Each BatchGetItem the client sends: its consistency and how many keys it carries. */
interface SentBatch {
  consistent: boolean;
  keys: number;
}

describe('batched reads started together (DynamoDbTable on dynalite)', () => {
  let running: RunningDynamoEngine;
  let store: DynamoDbSupportStore;
  let table: DynamoDbTable;
  let tableCount = 0;
  const sent: SentBatch[] = [];

  beforeAll(async () => {
    running = await dynaliteEngine.start();
    running.clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchGetItemCommand') {
          const input = args.input as {
            RequestItems: Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>;
          };
          for (const request of Object.values(input.RequestItems)) {
            sent.push({ consistent: request.ConsistentRead === true, keys: request.Keys.length });
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'countBatchGets' },
    );
  });
  afterAll(async () => {
    await running?.close();
  });
  beforeEach(async () => {
    tableCount += 1;
    const tableName = `batched-${tableCount}`;
    await ensureTable(running.clients.dynamodb, tableName);
    store = new DynamoDbSupportStore({ client: running.clients.doc, tableName });
    table = new DynamoDbTable(running.clients.doc, tableName);
    await store.putOwner({ email: 'alice@agents.test', name: 'Alice', active: true, createdAt: 'x' });
    await store.putOwner({ email: 'bob@agents.test', name: 'Bob', active: true, createdAt: 'x' });
    await store.createCustomer({ email: 'jane@customer.test', ownerEmail: 'alice@agents.test', since: 'x' });
    await store.linkMessageIds(['<q1@customer.test>'], 'conv-1');
    sent.length = 0;
  });

  it('sends the lookups of several roles started at once as one BatchGet per consistency', async () => {
    const [lookUp, owners, more] = await Promise.all([
      store.lookUp({ customerEmails: ['jane@customer.test'], messageIds: ['<q1@customer.test>'] }),
      store.getOwners(['alice@agents.test', 'bob@agents.test']),
      store.lookUp({ customerEmails: ['nobody@customer.test'], messageIds: ['<none@customer.test>'] }),
    ]);
    expect(lookUp.customers.get('jane@customer.test')?.ownerEmail).toBe('alice@agents.test');
    expect(lookUp.links.get('<q1@customer.test>')?.conversationId).toBe('conv-1');
    expect(owners.map((o) => o.email)).toEqual(['alice@agents.test', 'bob@agents.test']);
    expect(more.customers.size + more.links.size).toBe(0);
    // Customers read consistently; Message-ID links and owners at half the units, together.
    expect(sent).toEqual([
      { consistent: true, keys: 2 },
      { consistent: false, keys: 4 },
    ]);
  });

  it('asks for a key wanted twice at once only once, and gives it to both', async () => {
    const key = keys.customer('jane@customer.test');
    const [first, second] = await Promise.all([table.batchGet([key]), table.batchGet([key, key])]);
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(2);
    expect(second[0]).toEqual(first[0]);
    expect(sent).toEqual([{ consistent: true, keys: 1 }]);
  });

  it('reads again what is asked for again later (nothing cached), and splits past 100 keys', async () => {
    const max = keys.customer('max@customer.test');
    // Absent when first asked for; a cached answer would hide it after it is created.
    expect(await table.batchGet([max])).toEqual([]);
    await store.createCustomer({ email: 'max@customer.test', ownerEmail: 'bob@agents.test', since: 'x' });
    const wanted = Array.from({ length: 150 }, (_, n) => keys.customer(`c${n}@customer.test`));
    const found = await table.batchGet([...wanted, max, keys.customer('jane@customer.test')]);
    expect(found.map((item) => item.email)).toEqual(['max@customer.test', 'jane@customer.test']);
    expect(sent.map((batch) => batch.keys)).toEqual([1, 100, 52]);
  });
});
