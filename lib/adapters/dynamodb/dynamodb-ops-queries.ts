import type { Conversation, ConversationMessage, Customer, InboundOutcome } from '../../domain/types.js';
import type { ConversationStore } from '../../ports/conversation-store.js';
import type { CustomerData, OpsQueries } from '../../ports/ops-queries.js';
import {
  BATCH_GET_LIMIT,
  compareStrings,
  type DynamoDbTable,
  forEachLimited,
  toDomain,
  WRITE_CONCURRENCY,
} from './dynamodb-table.js';
import { conversationKeys, directoryKeys, ITEM_TYPE_ATTRIBUTE, type Item } from './item-keys.js';
import { withPlainText } from './message-text.js';
import { PARTITION_KEY } from './table-schema.js';

/**
 * {@link OpsQueries} over the one table: whole-table reads (scans) and deletes for ops tools, following
 * the other roles' key layout (see `item-keys.ts`).
 */
export class DynamoDbOpsQueries implements OpsQueries {
  constructor(
    private readonly table: DynamoDbTable,
    private readonly conversations: Pick<ConversationStore, 'listConversations'>,
  ) {}

  /**
   * Finds the customer's items by following the key layout: the customer, their conversations (GSI) and
   * each conversation's whole partition, the Message-ID links that point into those conversations, the
   * inbound records of every stored message plus any inbound outcome naming the customer (a scan), and
   * the sent records of those messages or naming the customer in their key (a scan).
   */
  async listCustomerData(email: string): Promise<CustomerData> {
    const items: Item[] = [];
    const customerItem = await this.table.getItem(directoryKeys.customer(email));
    if (customerItem) items.push(customerItem);
    const conversations = await this.conversations.listConversations(email);
    const conversationIds = new Set(conversations.map((c) => c.id));
    const messages: ConversationMessage[] = [];
    for (const conversation of conversations) {
      const raw = await this.table.queryRaw({
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': conversationKeys.conversation(conversation.id)[PARTITION_KEY] },
        ConsistentRead: true,
      });
      for (const stored of raw) {
        // Exported as read: a message's text in plain words, however it is stored.
        const item = stored[ITEM_TYPE_ATTRIBUTE] === 'MSG' ? withPlainText(stored) : stored;
        items.push(item);
        if (item[ITEM_TYPE_ATTRIBUTE] === 'MSG') messages.push(toDomain<ConversationMessage>(item));
      }
    }

    // Someone's Cc on other customers' conversations: which ones, and the mails they wrote there.
    const participantOf = (
      await this.table.scanAll<Conversation>({
        FilterExpression: '#type = :type AND contains(#participants, :email)',
        ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE, '#participants': 'participants' },
        ExpressionAttributeValues: { ':type': 'CONV', ':email': email },
      })
    )
      .filter((conversation) => !conversationIds.has(conversation.id))
      .map((conversation) => conversation.id)
      .sort();
    for (const conversationId of participantOf) {
      const raw = await this.table.queryPartitionItems(
        conversationKeys.conversation(conversationId)[PARTITION_KEY],
        conversationKeys.messagePrefix,
      );
      for (const stored of raw) {
        if (stored[ITEM_TYPE_ATTRIBUTE] !== 'MSG' || stored.fromAddress !== email) continue;
        const item = withPlainText(stored);
        items.push(item);
        messages.push(toDomain<ConversationMessage>(item));
      }
    }

    const inboundIds = new Set(messages.filter((m) => m.rawKey !== undefined).map((m) => m.id));
    const inboundItems = await this.table.scanType('INBOUND');
    const rawKeys = new Set(messages.flatMap((m) => (m.rawKey ? [m.rawKey] : [])));
    for (const item of inboundItems) {
      const outcome = item.outcome as InboundOutcome | undefined;
      const mine =
        (typeof item.id === 'string' && inboundIds.has(item.id)) ||
        outcome?.customerEmail === email ||
        (outcome?.conversationId !== undefined && conversationIds.has(outcome.conversationId));
      if (!mine) continue;
      items.push(item);
      if (typeof item.id === 'string') inboundIds.add(item.id);
      if (typeof item.rawKey === 'string') rawKeys.add(item.rawKey);
    }

    const sentItems = (await this.table.scanType('SENT')).filter((item) => {
      const key = String(item.key ?? '');
      const inboundId = key.split(':', 1)[0] ?? '';
      return inboundIds.has(inboundId) || key.split(':').includes(email);
    });
    items.push(...sentItems);

    const candidateIds = new Set<string>();
    for (const conversation of conversations) {
      for (const id of [...conversation.customerThread, ...conversation.ownerThread]) candidateIds.add(id);
    }
    for (const message of messages) if (message.rfcMessageId) candidateIds.add(message.rfcMessageId);
    for (const sent of sentItems) {
      if (typeof sent.messageId === 'string') candidateIds.add(sent.messageId);
      if (typeof sent.providerMessageId === 'string') candidateIds.add(sent.providerMessageId);
    }
    const candidates = [...candidateIds];
    for (let start = 0; start < candidates.length; start += BATCH_GET_LIMIT) {
      const links = await this.table.batchGetChunk(
        candidates.slice(start, start + BATCH_GET_LIMIT).map((id) => conversationKeys.messageId(id)),
      );
      items.push(
        ...links.filter(
          (link) =>
            (typeof link.conversationId === 'string' && conversationIds.has(link.conversationId)) ||
            link.sender === email,
        ),
      );
    }

    return {
      ...(customerItem ? { customer: toDomain<Customer>(customerItem) } : {}),
      conversations,
      messages,
      items,
      rawKeys: [...rawKeys].sort(),
      participantOf,
    };
  }

  async deleteCustomerData(data: CustomerData): Promise<number> {
    let deleted = 0;
    await forEachLimited(data.items, WRITE_CONCURRENCY, async (item) => {
      await this.table.delete(item);
      deleted += 1;
    });
    return deleted;
  }

  /** A filtered scan of the whole table: an ops query (figures), never on the mail path. */
  async listConversationsUpdatedSince(since: string): Promise<Conversation[]> {
    const conversations = await this.table.scanAll<Conversation>({
      FilterExpression: '#type = :type AND #updatedAt >= :since',
      ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE, '#updatedAt': 'updatedAt' },
      ExpressionAttributeValues: { ':type': 'CONV', ':since': since },
    });
    return conversations.sort((a, b) => compareStrings(a.createdAt, b.createdAt));
  }
}
