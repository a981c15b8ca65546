import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbSupportStore } from '../../lib/adapters/dynamodb/dynamodb-support-store.js';
import type { Conversation, ConversationMessage } from '../../lib/domain/types.js';
import { ensureTable } from '../../lib/local/embedded-engines.js';
import {
  type DynamoEngine,
  dynaliteEngine,
  dynamoDbLocalEngine,
  type RunningDynamoEngine,
} from './engines.js';

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
    customerThread: [`<${id}-c@customer.test>`],
    ownerThread: [`<${id}-o@reply.test>`],
    ...overrides,
  };
}

/** A customer's question of about 2 KB. */
function longText(id: string): string {
  return Array.from({ length: 20 }, (_, n) => `Line ${n} of ${id}: the printer still jams on page two.`).join(
    '\n',
  );
}

function message(
  conversationId: string,
  id: string,
  overrides: Partial<ConversationMessage> = {},
): ConversationMessage {
  return {
    conversationId,
    id,
    at: '2024-02-01T10:00:00.000Z',
    direction: 'from-customer',
    fromAddress: 'jane@customer.test',
    fromName: 'Jane',
    subject: 'Help',
    text: `text of ${id}`,
    attachments: [],
    rawKey: `inbound/${id}`,
    rfcMessageId: `<${id}@customer.test>`,
    ...overrides,
  };
}

describe.each<DynamoEngine>([dynaliteEngine, dynamoDbLocalEngine])('ownership items on $name', (engine) => {
  if (engine.skipReason !== undefined) {
    it.skip(`skipped: ${engine.skipReason}`, () => {});
    return;
  }
  let running: RunningDynamoEngine;
  let store: DynamoDbSupportStore;
  let tableCount = 0;

  beforeAll(async () => {
    running = await engine.start();
  });
  afterAll(async () => {
    await running?.close();
  });
  beforeEach(async () => {
    tableCount += 1;
    const tableName = `ownership-test-${tableCount}`;
    await ensureTable(running.clients.dynamodb, tableName);
    store = new DynamoDbSupportStore({ client: running.clients.doc, tableName });
  });

  it('keeps domain rules: put replaces, list is by domain, delete says whether one existed', async () => {
    await store.putDomainRule({
      domain: 'zeta.test',
      ownerEmail: 'a@x.test',
      createdAt: '2024-01-01T00:00:00Z',
    });
    await store.putDomainRule({
      domain: 'acme.test',
      ownerEmail: 'a@x.test',
      createdAt: '2024-01-01T00:00:00Z',
    });
    await store.putDomainRule({
      domain: 'acme.test',
      ownerEmail: 'b@x.test',
      createdAt: '2024-01-02T00:00:00Z',
    });
    expect(await store.listDomainRules()).toEqual([
      { domain: 'acme.test', ownerEmail: 'b@x.test', createdAt: '2024-01-02T00:00:00Z' },
      { domain: 'zeta.test', ownerEmail: 'a@x.test', createdAt: '2024-01-01T00:00:00Z' },
    ]);
    expect(await store.deleteDomainRule('zeta.test')).toBe(true);
    expect(await store.deleteDomainRule('zeta.test')).toBe(false);
    expect((await store.listDomainRules()).map((r) => r.domain)).toEqual(['acme.test']);
  });

  it('records former owners per conversation, idempotently, without disturbing the message list', async () => {
    await store.createConversation(conversation('c1', 'jane@customer.test'));
    await store.putMessage(message('c1', 'm1'));
    await store.recordFormerOwner('c1', 'alice@agents.test', 'bob@agents.test', '2024-03-01T00:00:00Z');
    await store.recordFormerOwner('c1', 'alice@agents.test', 'bob@agents.test', '2024-03-01T00:00:00Z');
    expect(await store.getFormerOwner('c1', 'alice@agents.test')).toEqual({
      conversationId: 'c1',
      ownerEmail: 'alice@agents.test',
      successorEmail: 'bob@agents.test',
      at: '2024-03-01T00:00:00Z',
    });
    expect(await store.getFormerOwner('c1', 'bob@agents.test')).toBeUndefined();
    expect((await store.listMessages('c1')).map((m) => m.id)).toEqual(['m1']);
  });

  it('clears only a failed outcome', async () => {
    await store.claimInbound('f1', 'inbound/f1', '2024-01-01T00:00:00Z');
    await store.recordOutcome('f1', { status: 'failed', reason: 'no-active-owner' });
    await store.claimInbound('r1', 'inbound/r1', '2024-01-01T00:00:00Z');
    await store.recordOutcome('r1', { status: 'relayed-to-owner' });
    await store.claimInbound('u1', 'inbound/u1', '2024-01-01T00:00:00Z');
    expect(await store.clearFailedOutcome('f1')).toBe(true);
    expect(await store.clearFailedOutcome('r1')).toBe(false);
    expect(await store.clearFailedOutcome('u1')).toBe(false);
    expect(await store.clearFailedOutcome('never-claimed')).toBe(false);
    expect((await store.getInbound('f1'))?.outcome).toBeUndefined();
    expect((await store.getInbound('r1'))?.outcome?.status).toBe('relayed-to-owner');
  });

  it("finds every item of one customer by the key layout, deletes them all, and leaves other customers' alone", async () => {
    const seed = async (email: string, id: string) => {
      await store.createCustomer({ email, ownerEmail: 'alice@agents.test', since: '2024-01-01T00:00:00Z' });
      await store.createConversation(conversation(id, email));
      // Long enough to be stored compressed: the export still carries it in plain words.
      await store.putMessage(message(id, `${id}-in`, { fromAddress: email, text: longText(id) }));
      await store.putMessage(
        message(id, `${id}-out`, {
          direction: 'to-customer',
          rawKey: `inbound/${id}-out`,
          rfcMessageId: `<${id}-out.customer@support.test>`,
        }),
      );
      await store.recordFormerOwner(id, 'carol@agents.test', 'alice@agents.test', '2024-01-03T00:00:00Z');
      await store.linkMessageIds(
        [`<${id}-in@customer.test>`, `<${id}-c@customer.test>`, `<${id}-o@reply.test>`],
        id,
      );
      for (const inbound of [`${id}-in`, `${id}-out`]) {
        await store.claimInbound(inbound, `inbound/${inbound}`, '2024-01-01T00:00:00Z');
        await store.recordOutcome(inbound, {
          status: 'relayed-to-owner',
          conversationId: id,
          customerEmail: email,
        });
        await store.recordSentMail({
          key: `${inbound}:owner`,
          messageId: `<${inbound}.owner@reply.test>`,
          sentAt: '2024-01-01T00:00:00Z',
        });
      }
      await store.linkMessageIds([`<${id}-in.owner@reply.test>`], id);
      await store.recordSentMail({
        key: `handoff:op:${email}:intro`,
        messageId: `<intro-${id}@support.test>`,
        sentAt: '2024-01-01T00:00:00Z',
      });
      // A rejected mail never reached a conversation but names the customer.
      await store.claimInbound(`${id}-spam`, `inbound/${id}-spam`, '2024-01-01T00:00:00Z');
      await store.recordOutcome(`${id}-spam`, { status: 'quarantined', customerEmail: email });
    };
    await seed('jane@customer.test', 'cjane');
    await seed('max@customer.test', 'cmax');

    const data = await store.listCustomerData('jane@customer.test');
    expect(data.customer?.email).toBe('jane@customer.test');
    expect(data.conversations.map((c) => c.id)).toEqual(['cjane']);
    expect(data.messages.map((m) => m.id).sort()).toEqual(['cjane-in', 'cjane-out']);
    expect(data.rawKeys).toEqual(['inbound/cjane-in', 'inbound/cjane-out', 'inbound/cjane-spam']);
    expect(data.messages.find((m) => m.id === 'cjane-in')?.text).toBe(longText('cjane'));
    const storedIn = data.items.find((item) => item.sk === 'MSG#2024-02-01T10:00:00.000Z#cjane-in');
    expect(storedIn?.text).toBe(longText('cjane'));
    expect(storedIn).not.toHaveProperty('textBr');
    const keysOf = data.items.map((item) => `${item.pk}|${item.sk}`).sort();
    expect(keysOf).toEqual(
      [
        'CUSTOMER#jane@customer.test|CUSTOMER',
        'CONV#cjane|CONV',
        'CONV#cjane|FORMER#carol@agents.test',
        'CONV#cjane|MSG#2024-02-01T10:00:00.000Z#cjane-in',
        'CONV#cjane|MSG#2024-02-01T10:00:00.000Z#cjane-out',
        'INBOUND#cjane-in|INBOUND',
        'INBOUND#cjane-out|INBOUND',
        'INBOUND#cjane-spam|INBOUND',
        'SENT#cjane-in:owner|SENT',
        'SENT#cjane-out:owner|SENT',
        'SENT#handoff:op:jane@customer.test:intro|SENT',
        'MSGID#<cjane-in@customer.test>|MSGID',
        'MSGID#<cjane-c@customer.test>|MSGID',
        'MSGID#<cjane-o@reply.test>|MSGID',
        'MSGID#<cjane-in.owner@reply.test>|MSGID',
      ].sort(),
    );

    expect(await store.deleteCustomerData(data)).toBe(keysOf.length);
    expect((await store.listCustomerData('jane@customer.test')).items).toEqual([]);
    expect(await store.getCustomer('jane@customer.test')).toBeUndefined();
    expect((await store.lookUp({ messageIds: ['<cjane-in@customer.test>'] })).links).toEqual(new Map());
    const other = await store.listCustomerData('max@customer.test');
    expect(other.items).toHaveLength(keysOf.length);
    const maxLinks = (await store.lookUp({ messageIds: ['<cmax-in@customer.test>'] })).links;
    expect(maxLinks.get('<cmax-in@customer.test>')?.conversationId).toBe('cmax');
  });
});
