import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError, LeaseHeldError, PermanentFailureError } from '../../domain/errors.js';
import { MAX_PARTICIPANTS } from '../../domain/participants.js';
import type {
  Conversation,
  ConversationMessage,
  Customer,
  InboundOutcome,
  Owner,
} from '../../domain/types.js';
import type {
  CustomerData,
  DomainRule,
  FormerOwnerRecord,
  InboundLease,
  InboundRecord,
  LookUpResult,
  MessageLink,
  SenderCount,
  SentMailRecord,
  SupportStore,
  SuppressionRecord,
} from '../../ports/support-store.js';
import {
  GSI1_NAME,
  GSI1_PARTITION_KEY,
  GSI1_SORT_KEY,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from './table-schema.js';

/** Attribute holding the item type (`OWNER`, `CUSTOMER`, ...), used to filter scans. */
export const ITEM_TYPE_ATTRIBUTE = 'type';

const INTERNAL_ATTRIBUTES = new Set([
  PARTITION_KEY,
  SORT_KEY,
  GSI1_PARTITION_KEY,
  GSI1_SORT_KEY,
  ITEM_TYPE_ATTRIBUTE,
  TTL_ATTRIBUTE,
  // An inbound claim's lease is the store's concern, not part of the record.
  'leaseHolder',
  'leaseUntil',
]);

/** All owners share one GSI partition so listing them is a query, not a table scan. */
const OWNERS_GSI_PARTITION = 'OWNERS';
const BATCH_GET_LIMIT = 100;
const MAX_UNPROCESSED_RETRIES = 8;
/** Bounded parallelism for per-item writes (Message-ID links). */
const WRITE_CONCURRENCY = 16;

/** Constructor options of {@link DynamoDbSupportStore}. */
export interface DynamoDbSupportStoreOptions {
  /** A document client created once by the caller (one per process / Lambda container). */
  client: DynamoDBDocumentClient;
  tableName: string;
  /**
   * When set, `INBOUND#` claims carry `expiresAt` = `receivedAt` + this many seconds. Absent: kept
   * forever (the outcome is the audit trail of every inbound message).
   */
  inboundTtlSeconds?: number;
  /** When set, `SENT#` records carry `expiresAt` = `sentAt` + this many seconds. Absent: kept forever. */
  sentMailTtlSeconds?: number;
}

type Item = Record<string, unknown>;

/** Key builders, exported so tests and tools address the same items. */
export const keys = {
  owner: (email: string) => ({ [PARTITION_KEY]: `OWNER#${email}`, [SORT_KEY]: 'OWNER' }),
  customer: (email: string) => ({ [PARTITION_KEY]: `CUSTOMER#${email}`, [SORT_KEY]: 'CUSTOMER' }),
  conversation: (id: string) => ({ [PARTITION_KEY]: `CONV#${id}`, [SORT_KEY]: 'CONV' }),
  /** A customer's pointer to one of their conversations, in the customer's partition. */
  customerConversation: (customerEmail: string, conversationId: string) => ({
    [PARTITION_KEY]: `CUSTOMER#${customerEmail}`,
    [SORT_KEY]: `CONV#${conversationId}`,
  }),
  message: (conversationId: string, at: string, id: string) => ({
    [PARTITION_KEY]: `CONV#${conversationId}`,
    [SORT_KEY]: `MSG#${at}#${id}`,
  }),
  messageId: (rfcMessageId: string) => ({ [PARTITION_KEY]: `MSGID#${rfcMessageId}`, [SORT_KEY]: 'MSGID' }),
  inbound: (id: string) => ({ [PARTITION_KEY]: `INBOUND#${id}`, [SORT_KEY]: 'INBOUND' }),
  sent: (key: string) => ({ [PARTITION_KEY]: `SENT#${key}`, [SORT_KEY]: 'SENT' }),
  assignmentCounter: () => ({ [PARTITION_KEY]: 'COUNTER#assignment', [SORT_KEY]: 'COUNTER' }),
  rfcMessage: (sender: string, rfcMessageId: string) => ({
    [PARTITION_KEY]: `RFCMSG#${sender}#${rfcMessageId}`,
    [SORT_KEY]: 'RFCMSG',
  }),
  rate: (sender: string, window: string) => ({
    [PARTITION_KEY]: `RATE#${sender}#${window}`,
    [SORT_KEY]: 'RATE',
  }),
  capped: (counter: string, window: string) => ({
    [PARTITION_KEY]: `CAPPED#${counter}#${window}`,
    [SORT_KEY]: 'CAPPED',
  }),
  sendLease: (key: string) => ({ [PARTITION_KEY]: `SENDLEASE#${key}`, [SORT_KEY]: 'SENDLEASE' }),
  suppressed: (address: string) => ({ [PARTITION_KEY]: `SUPPRESSED#${address}`, [SORT_KEY]: 'SUPPRESSED' }),
} as const;

/**
 * {@link SupportStore} over one DynamoDB table (see `table-schema.ts`). Every write is a conditional or
 * deterministic single-item write, so any step can be repeated by an at-least-once pipeline; no
 * transactions, which the embedded engine lacks. Transient SDK errors propagate for the queue to retry.
 */
export class DynamoDbSupportStore implements SupportStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly inboundTtlSeconds: number | undefined;
  private readonly sentMailTtlSeconds: number | undefined;

  constructor(options: DynamoDbSupportStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.inboundTtlSeconds = options.inboundTtlSeconds;
    this.sentMailTtlSeconds = options.sentMailTtlSeconds;
  }

  async putOwner(owner: Owner): Promise<void> {
    await this.put({
      ...owner,
      ...keys.owner(owner.email),
      [ITEM_TYPE_ATTRIBUTE]: 'OWNER',
      [GSI1_PARTITION_KEY]: OWNERS_GSI_PARTITION,
      [GSI1_SORT_KEY]: `OWNER#${owner.email}`,
    });
  }

  async getOwner(email: string): Promise<Owner | undefined> {
    return this.get<Owner>(keys.owner(email));
  }

  /** Owners by email. Reads the GSI, so an owner written a moment ago may be missing for a moment. */
  async listOwners(): Promise<Owner[]> {
    return this.queryIndex<Owner>(OWNERS_GSI_PARTITION, 'OWNER#');
  }

  /** Removes the owner record; their customers keep pointing at them until handed off. */
  async deleteOwner(email: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.owner(email) }));
  }

  async getCustomer(email: string): Promise<Customer | undefined> {
    return this.get<Customer>(keys.customer(email));
  }

  async createCustomer(customer: Customer): Promise<Customer> {
    const created = await this.putIfAbsent({
      ...customer,
      ...keys.customer(customer.email),
      [ITEM_TYPE_ATTRIBUTE]: 'CUSTOMER',
      [GSI1_PARTITION_KEY]: `OWNER#${customer.ownerEmail}`,
      [GSI1_SORT_KEY]: `CUSTOMER#${customer.email}`,
    });
    if (created) return customer;
    return this.getExisting<Customer>(keys.customer(customer.email), `customer ${customer.email}`);
  }

  /** Throws `ConditionFailedError` when the customer does not exist (a handoff never creates one). */
  async updateCustomerOwner(email: string, ownerEmail: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.customer(email),
          UpdateExpression: 'SET #owner = :owner, #gpk = :gpk',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: {
            '#owner': 'ownerEmail',
            '#gpk': GSI1_PARTITION_KEY,
            '#pk': PARTITION_KEY,
          },
          ExpressionAttributeValues: { ':owner': ownerEmail, ':gpk': `OWNER#${ownerEmail}` },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConditionFailedError(`customer ${email} does not exist`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Customers of one owner (a GSI query, ordered by email), or every customer (a filtered scan of the
   * whole table: meant for ops tools, not for the mail path).
   */
  async listCustomers(ownerEmail?: string): Promise<Customer[]> {
    if (ownerEmail !== undefined) {
      return this.queryAll<Customer>({
        IndexName: GSI1_NAME,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': GSI1_PARTITION_KEY, '#sk': GSI1_SORT_KEY },
        ExpressionAttributeValues: { ':pk': `OWNER#${ownerEmail}`, ':prefix': 'CUSTOMER#' },
      });
    }
    const customers = await this.scanAll<Customer>({
      FilterExpression: '#type = :type',
      ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE },
      ExpressionAttributeValues: { ':type': 'CUSTOMER' },
    });
    return customers.sort((a, b) => compareStrings(a.email, b.email));
  }

  async nextAssignmentSequence(): Promise<number> {
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.assignmentCounter(),
        UpdateExpression: 'SET #type = :type ADD #seq :one',
        ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE, '#seq': 'sequence' },
        ExpressionAttributeValues: { ':type': 'COUNTER', ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const value = result.Attributes?.sequence;
    if (typeof value !== 'number') throw new Error('assignment counter update returned no sequence');
    return value;
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    return this.get<Conversation>(keys.conversation(id));
  }

  /**
   * The conversation item carries no index keys, so the many updates of its threads write no index copy;
   * the customer's partition holds a small pointer to it instead (written with it, idempotently).
   */
  async createConversation(conversation: Conversation): Promise<Conversation> {
    const [created] = await Promise.all([
      this.putIfAbsent({
        ...conversation,
        ...keys.conversation(conversation.id),
        [ITEM_TYPE_ATTRIBUTE]: 'CONV',
      }),
      this.put({
        ...keys.customerConversation(conversation.customerEmail, conversation.id),
        [ITEM_TYPE_ATTRIBUTE]: 'CONVREF',
        conversationId: conversation.id,
      }),
    ]);
    if (created) return conversation;
    return this.getExisting<Conversation>(
      keys.conversation(conversation.id),
      `conversation ${conversation.id}`,
    );
  }

  /**
   * One conditional update per id, in order, so concurrent appends interleave without losing or doubling
   * an id. Throws `ConditionFailedError` when the conversation does not exist.
   */
  async appendToThread(
    conversationId: string,
    thread: 'customerThread' | 'ownerThread',
    messageIds: string[],
    at: string,
  ): Promise<void> {
    for (const messageId of messageIds) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.conversation(conversationId),
            UpdateExpression: 'SET #list = list_append(if_not_exists(#list, :empty), :one), #updatedAt = :at',
            ConditionExpression: 'attribute_exists(#pk) AND NOT contains(#list, :id)',
            ExpressionAttributeNames: { '#list': thread, '#updatedAt': 'updatedAt', '#pk': PARTITION_KEY },
            ExpressionAttributeValues: { ':empty': [], ':one': [messageId], ':id': messageId, ':at': at },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        // The condition cannot say which half failed (ReturnValuesOnConditionCheckFailure is not portable):
        // only a missing conversation is an error, an id already present is the idempotent case.
        const existing = await this.get<Conversation>(keys.conversation(conversationId));
        if (!existing) {
          throw new ConditionFailedError(`conversation ${conversationId} does not exist`, { cause: error });
        }
      }
    }
  }

  async updateConversation(
    conversationId: string,
    change: { ownerEmail?: string; status?: Conversation['status'] },
    at: string,
  ): Promise<void> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#pk': PARTITION_KEY };
    const values: Record<string, unknown> = { ':at': at };
    const sets = ['#updatedAt = :at'];
    if (change.ownerEmail !== undefined) {
      names['#owner'] = 'ownerEmail';
      values[':owner'] = change.ownerEmail;
      sets.push('#owner = :owner');
    }
    if (change.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = change.status;
      sets.push('#status = :status');
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.conversation(conversationId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConditionFailedError(`conversation ${conversationId} does not exist`, { cause: error });
      }
      throw error;
    }
  }

  /** The customer's conversations, newest first: their pointers, then one batched read. */
  async listConversations(customerEmail: string): Promise<Conversation[]> {
    const pointers = await this.queryRaw({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':pk': keys.customer(customerEmail)[PARTITION_KEY], ':prefix': 'CONV#' },
      ConsistentRead: true,
    });
    const ids = pointers.flatMap((p) => (typeof p.conversationId === 'string' ? [p.conversationId] : []));
    const { conversations } = await this.lookUp({ conversationIds: ids });
    return [...conversations.values()].sort(
      (a, b) => compareStrings(b.createdAt, a.createdAt) || compareStrings(b.id, a.id),
    );
  }

  async lookUp(request: {
    customerEmails?: string[];
    conversationIds?: string[];
    messageIds?: string[];
  }): Promise<LookUpResult> {
    const wanted = [
      ...[...new Set(request.customerEmails)].map((email) => keys.customer(email)),
      ...[...new Set(request.conversationIds)].map((id) => keys.conversation(id)),
      ...[...new Set(request.messageIds)].map((id) => keys.messageId(id)),
    ];
    const result: LookUpResult = { customers: new Map(), conversations: new Map(), links: new Map() };
    const chunks: Item[][] = [];
    for (let start = 0; start < wanted.length; start += BATCH_GET_LIMIT) {
      chunks.push(wanted.slice(start, start + BATCH_GET_LIMIT));
    }
    for (const items of await Promise.all(chunks.map((chunk) => this.batchGetAll(chunk)))) {
      for (const item of items) {
        const type = item[ITEM_TYPE_ATTRIBUTE];
        if (type === 'CUSTOMER') {
          const customer = toDomain<Customer>(item);
          result.customers.set(customer.email, customer);
        } else if (type === 'CONV') {
          const conversation = toDomain<Conversation>(item);
          result.conversations.set(conversation.id, conversation);
        } else if (typeof item.messageId === 'string' && typeof item.conversationId === 'string') {
          result.links.set(item.messageId, toDomain<MessageLink>(item));
        }
      }
    }
    return result;
  }

  /**
   * One conditional update for both threads; when it finds an id already there (a retry), each missing
   * id is appended on its own.
   */
  async recordThreads(
    conversationId: string,
    add: { customerThread?: string; ownerThread?: string; reopen?: boolean },
    at: string,
  ): Promise<void> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#pk': PARTITION_KEY };
    const values: Record<string, unknown> = { ':at': at };
    const sets = ['#updatedAt = :at'];
    const conditions = ['attribute_exists(#pk)'];
    const lists = (['customerThread', 'ownerThread'] as const).filter((list) => add[list] !== undefined);
    for (const [index, list] of lists.entries()) {
      names[`#l${index}`] = list;
      values[`:one${index}`] = [add[list]];
      values[`:id${index}`] = add[list];
      values[':empty'] = [];
      sets.push(`#l${index} = list_append(if_not_exists(#l${index}, :empty), :one${index})`);
      conditions.push(`NOT contains(#l${index}, :id${index})`);
    }
    if (add.reopen) {
      names['#status'] = 'status';
      values[':open'] = 'open';
      sets.push('#status = :open');
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.conversation(conversationId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = await this.get<Conversation>(keys.conversation(conversationId));
      if (!existing) {
        throw new ConditionFailedError(`conversation ${conversationId} does not exist`, { cause: error });
      }
      await Promise.all([
        ...lists.map((list) => this.appendToThread(conversationId, list, [add[list] as string], at)),
        ...(add.reopen && existing.status !== 'open'
          ? [this.updateConversation(conversationId, { status: 'open' }, at)]
          : []),
      ]);
    }
  }

  /**
   * Links each id unless it is already linked: the first conversation an id was seen in keeps it, so
   * threading stays stable when a client reuses ids across conversations.
   */
  async linkMessageIds(
    messageIds: string[],
    conversationId: string,
    origin?: { inboundId: string; sender: string },
  ): Promise<void> {
    const unique = [...new Set(messageIds)];
    await forEachLimited(unique, WRITE_CONCURRENCY, async (messageId) => {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...keys.messageId(messageId),
              [ITEM_TYPE_ATTRIBUTE]: 'MSGID',
              messageId,
              conversationId,
              ...origin,
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    });
  }

  async findConversationIds(messageIds: string[]): Promise<Map<string, string>> {
    const { links } = await this.lookUp({ messageIds });
    return new Map([...links].map(([id, link]) => [id, link.conversationId]));
  }

  /**
   * Deterministic key (`MSG#<at>#<id>`): storing the same message again overwrites the one item. Callers
   * must pass the same `at` on a retry. An item over DynamoDB's 400 KB limit is a `PermanentFailureError`.
   */
  async putMessage(message: ConversationMessage): Promise<void> {
    try {
      await this.put({
        ...message,
        ...keys.message(message.conversationId, message.at, message.id),
        [ITEM_TYPE_ATTRIBUTE]: 'MSG',
      });
    } catch (error) {
      if (isItemTooLarge(error)) {
        throw new PermanentFailureError(
          'message-too-large',
          `message ${message.id} exceeds the DynamoDB item size limit`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async listMessages(conversationId: string): Promise<ConversationMessage[]> {
    return this.queryAll<ConversationMessage>({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':pk': `CONV#${conversationId}`, ':prefix': 'MSG#' },
      ConsistentRead: true,
    });
  }

  async claimInbound(id: string, rawKey: string, at: string, lease?: InboundLease): Promise<InboundRecord> {
    const { names, values, set } = this.claimParts(id, rawKey, at);
    let condition: string | undefined;
    let update = set;
    if (lease) {
      // A finished message passes: the claim then only reports its outcome.
      names['#outcome'] = 'outcome';
      names['#holder'] = 'leaseHolder';
      names['#until'] = 'leaseUntil';
      values[':holder'] = lease.holder;
      values[':until'] = lease.until;
      values[':now'] = lease.now;
      update += ', #holder = :holder, #until = :until';
      condition = 'attribute_exists(#outcome) OR attribute_not_exists(#until) OR #until < :now';
    }
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.inbound(id),
          UpdateExpression: `SET ${update} ADD #attempts :one`,
          ...(condition ? { ConditionExpression: condition } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (!result.Attributes) throw new Error(`claim of inbound ${id} returned no attributes`);
      return toDomain<InboundRecord>(result.Attributes);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      throw new LeaseHeldError(`inbound ${id} is being processed by another attempt`, { cause: error });
    }
  }

  async settleInbound(
    id: string,
    rawKey: string,
    at: string,
    outcome: InboundOutcome,
  ): Promise<{ record: InboundRecord; settled: boolean }> {
    const { names, values, set } = this.claimParts(id, rawKey, at);
    names['#outcome'] = 'outcome';
    values[':outcome'] = withoutUndefined(outcome);
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.inbound(id),
        UpdateExpression: `SET ${set}, #outcome = if_not_exists(#outcome, :outcome) ADD #attempts :one`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_OLD',
      }),
    );
    const before = result.Attributes ? toDomain<InboundRecord>(result.Attributes) : undefined;
    const record: InboundRecord = {
      ...before,
      id,
      rawKey: before?.rawKey ?? rawKey,
      receivedAt: before?.receivedAt ?? at,
      attempts: (before?.attempts ?? 0) + 1,
      outcome: before?.outcome ?? outcome,
    };
    return { record, settled: before?.outcome === undefined };
  }

  /** The claim's common attributes: first-seen values are kept, the attempt is counted. */
  private claimParts(id: string, rawKey: string, at: string) {
    const names: Record<string, string> = {
      '#id': 'id',
      '#rawKey': 'rawKey',
      '#receivedAt': 'receivedAt',
      '#attempts': 'attempts',
      '#type': ITEM_TYPE_ATTRIBUTE,
    };
    const values: Record<string, unknown> = {
      ':id': id,
      ':rawKey': rawKey,
      ':at': at,
      ':one': 1,
      ':type': 'INBOUND',
    };
    let set =
      '#id = :id, #type = :type, #rawKey = if_not_exists(#rawKey, :rawKey), #receivedAt = if_not_exists(#receivedAt, :at)';
    const expiresAt = ttlFrom(at, this.inboundTtlSeconds);
    if (expiresAt !== undefined) {
      names['#ttl'] = TTL_ATTRIBUTE;
      values[':ttl'] = expiresAt;
      set += ', #ttl = if_not_exists(#ttl, :ttl)';
    }
    return { names, values, set };
  }

  /** Throws `ConditionFailedError` when the message was never claimed. Overwrites an earlier outcome. */
  async recordOutcome(id: string, outcome: InboundOutcome, relay?: SentMailRecord): Promise<void> {
    await this.updateInbound(
      id,
      `SET #outcome = :outcome${relay ? ', #relay = :relay' : ''} REMOVE #holder, #until`,
      {
        '#outcome': 'outcome',
        '#holder': 'leaseHolder',
        '#until': 'leaseUntil',
        ...(relay ? { '#relay': 'relay' } : {}),
      },
      { ':outcome': withoutUndefined(outcome), ...(relay ? { ':relay': withoutUndefined(relay) } : {}) },
    );
  }

  async recordRelay(id: string, relay: SentMailRecord): Promise<void> {
    await this.updateInbound(id, 'SET #relay = :relay', { '#relay': 'relay' }, { ':relay': relay });
  }

  async reopenInbound(id: string): Promise<void> {
    await this.updateInbound(id, 'REMOVE #outcome', { '#outcome': 'outcome' }, undefined);
  }

  async releaseInboundLease(id: string, holder: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.inbound(id),
          UpdateExpression: 'REMOVE #holder, #until',
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#holder': 'leaseHolder', '#until': 'leaseUntil' },
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  private async updateInbound(
    id: string,
    expression: string,
    names: Record<string, string>,
    values: Record<string, unknown> | undefined,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.inbound(id),
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { ...names, '#pk': PARTITION_KEY },
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConditionFailedError(`inbound ${id} was never claimed`, { cause: error });
      }
      throw error;
    }
  }

  async getInbound(id: string): Promise<InboundRecord | undefined> {
    return this.get<InboundRecord>(keys.inbound(id));
  }

  async noteTransientFailure(id: string, rawKey: string, at: string): Promise<void> {
    const { names, values, set } = this.claimParts(id, rawKey, at);
    names['#failures'] = 'transientFailures';
    delete names['#attempts'];
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.inbound(id),
        UpdateExpression: `SET ${set} ADD #failures :one`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async getSentMail(key: string): Promise<SentMailRecord | undefined> {
    return this.get<SentMailRecord>(keys.sent(key));
  }

  async recordSentMail(record: SentMailRecord): Promise<void> {
    const expiresAt = ttlFrom(record.sentAt, this.sentMailTtlSeconds);
    await this.put({
      ...record,
      ...keys.sent(record.key),
      [ITEM_TYPE_ATTRIBUTE]: 'SENT',
      ...(expiresAt === undefined ? {} : { [TTL_ATTRIBUTE]: expiresAt }),
    });
  }

  // Reliability and abuse guards: resent mail, per-sender rate cap, suppressed addresses.

  async claimRfcMessage(sender: string, rfcMessageId: string, inboundId: string): Promise<string> {
    const key = keys.rfcMessage(sender, rfcMessageId);
    const created = await this.putIfAbsent({ ...key, [ITEM_TYPE_ATTRIBUTE]: 'RFCMSG', inboundId });
    if (created) return inboundId;
    const existing = await this.getExisting<{ inboundId: string }>(key, `claim of ${rfcMessageId}`);
    return existing.inboundId;
  }

  /**
   * One counter item per sender and hour, holding each message's position (`slot#<inbound id>`) and the
   * first inbound id of each Message-ID (`rfc#<id>`): the count, the position and the resend claim are
   * one write, and a retried message finds its slot instead of counting again.
   */
  async countSenderMail(
    sender: string,
    window: string,
    inboundId: string,
    expiresAt: number,
    rfcMessageId?: string,
  ): Promise<SenderCount> {
    const names: Record<string, string> = {
      '#type': ITEM_TYPE_ATTRIBUTE,
      '#ttl': TTL_ATTRIBUTE,
      '#count': 'count',
      '#slot': `slot#${inboundId}`,
    };
    const values: Record<string, unknown> = { ':type': 'RATE', ':ttl': expiresAt, ':zero': 0, ':one': 1 };
    let set =
      '#type = :type, #ttl = :ttl, #count = if_not_exists(#count, :zero) + :one, #slot = if_not_exists(#count, :zero) + :one';
    if (rfcMessageId !== undefined) {
      names['#rfc'] = `rfc#${rfcMessageId}`;
      values[':inbound'] = inboundId;
      set += ', #rfc = if_not_exists(#rfc, :inbound)';
    }
    const read = (item: Item | undefined): SenderCount => {
      const position = item?.[names['#slot'] as string];
      if (typeof position !== 'number')
        throw new Error(`rate counter of ${sender} holds no slot for ${inboundId}`);
      const first = rfcMessageId === undefined ? undefined : item?.[names['#rfc'] as string];
      return { position, ...(typeof first === 'string' ? { firstInboundId: first } : {}) };
    };
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.rate(sender, window),
          UpdateExpression: `SET ${set}`,
          ConditionExpression: 'attribute_not_exists(#slot)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return read(result.Attributes);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return read(await this.getItem(keys.rate(sender, window)));
    }
  }

  /**
   * One item per counter and window: `count` and one `slot#<inbound id>` per admitted message, written
   * only while `count` is below the cap, so the item holds at most `cap` slots and expires by TTL.
   */
  async countCapped(
    counter: string,
    window: string,
    inboundId: string,
    cap: number,
    expiresAt: number,
  ): Promise<{ admitted: boolean; position: number }> {
    const key = keys.capped(counter, window);
    const slot = `slot#${inboundId}`;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression:
            'SET #type = :type, #ttl = :ttl, #count = if_not_exists(#count, :zero) + :one, #slot = if_not_exists(#count, :zero) + :one',
          ConditionExpression:
            'attribute_not_exists(#slot) AND (attribute_not_exists(#count) OR #count < :cap)',
          ExpressionAttributeNames: {
            '#type': ITEM_TYPE_ATTRIBUTE,
            '#ttl': TTL_ATTRIBUTE,
            '#count': 'count',
            '#slot': slot,
          },
          ExpressionAttributeValues: {
            ':type': 'CAPPED',
            ':ttl': expiresAt,
            ':zero': 0,
            ':one': 1,
            ':cap': cap,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { admitted: true, position: Number(result.Attributes?.[slot]) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const item = await this.getItem(key);
      const position = item?.[slot];
      if (typeof position === 'number') return { admitted: true, position };
      return { admitted: false, position: Number(item?.count ?? cap) + 1 };
    }
  }

  async suppressAddress(record: SuppressionRecord): Promise<void> {
    await this.put({ ...record, ...keys.suppressed(record.address), [ITEM_TYPE_ATTRIBUTE]: 'SUPPRESSED' });
  }

  async getSuppression(address: string): Promise<SuppressionRecord | undefined> {
    return this.get<SuppressionRecord>(keys.suppressed(address));
  }

  async claimSendLease(key: string, holder: string, now: number, until: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.sendLease(key),
            [ITEM_TYPE_ATTRIBUTE]: 'SENDLEASE',
            holder,
            leaseUntil: until,
            [TTL_ATTRIBUTE]: Math.ceil(until / 1000) + 24 * 60 * 60,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #until < :now OR #holder = :holder',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#until': 'leaseUntil', '#holder': 'holder' },
          ExpressionAttributeValues: { ':now': now, ':holder': holder },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async releaseSendLease(key: string, holder: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.sendLease(key),
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#holder': 'holder' },
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** A filtered scan: meant for local mode's start-up, where the table is small. Inbound leases too. */
  async clearSendLeases(): Promise<number> {
    const [leases, claims] = await Promise.all([
      this.scanRaw({
        FilterExpression: '#type = :type',
        ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE },
        ExpressionAttributeValues: { ':type': 'SENDLEASE' },
      }),
      this.scanRaw({
        FilterExpression: '#type = :type AND attribute_exists(#holder)',
        ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE, '#holder': 'leaseHolder' },
        ExpressionAttributeValues: { ':type': 'INBOUND' },
      }),
    ]);
    await Promise.all([
      ...leases.map((item) =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { [PARTITION_KEY]: item[PARTITION_KEY], [SORT_KEY]: item[SORT_KEY] },
          }),
        ),
      ),
      ...claims.map((item) => this.releaseInboundLease(String(item.id), String(item.leaseHolder))),
    ]);
    return leases.length + claims.length;
  }

  private async get<T>(key: Item): Promise<T | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return result.Item ? toDomain<T>(result.Item) : undefined;
  }

  /** Reads an item that a failed `attribute_not_exists` condition proved to exist. */
  private async getExisting<T>(key: Item, what: string): Promise<T> {
    const existing = await this.get<T>(key);
    // Only reachable if the winner was deleted in between; a retry settles it.
    if (!existing) throw new ConditionFailedError(`${what} vanished after a conflicting create`);
    return existing;
  }

  private async put(item: Item): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: withoutUndefined(item) }));
  }

  /** Puts the item unless one with the same key exists; true when this call created it. */
  private async putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: withoutUndefined(item),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Items listed in `gsi1` under one partition whose sort key starts with `prefix`. */
  private queryIndex<T>(partition: string, prefix: string): Promise<T[]> {
    return this.queryAll<T>({
      IndexName: GSI1_NAME,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': GSI1_PARTITION_KEY, '#sk': GSI1_SORT_KEY },
      ExpressionAttributeValues: { ':pk': partition, ':prefix': prefix },
    });
  }

  private async queryAll<T>(input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
    return (await this.queryRaw(input)).map((item) => toDomain<T>(item));
  }

  private async scanAll<T>(input: Omit<ScanCommandInput, 'TableName'>): Promise<T[]> {
    return (await this.scanRaw(input)).map((item) => toDomain<T>(item));
  }

  /** One BatchGet of at most 100 keys, re-requesting unprocessed keys with backoff. */
  private async batchGetAll(batchKeys: Item[]): Promise<Item[]> {
    const out: Item[] = [];
    let pending: BatchGetCommandInput['RequestItems'] = {
      [this.tableName]: { Keys: batchKeys, ConsistentRead: true },
    };
    for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
      if (attempt > MAX_UNPROCESSED_RETRIES) {
        throw new Error(`BatchGetItem left keys unprocessed after ${MAX_UNPROCESSED_RETRIES} retries`);
      }
      if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt) * Math.random());
      const result: BatchGetCommandOutput = await this.client.send(
        new BatchGetCommand({ RequestItems: pending }),
      );
      out.push(...(result.Responses?.[this.tableName] ?? []));
      pending = result.UnprocessedKeys;
    }
    return out;
  }

  // --- Ownership: handoff, accounts (domain rules), replay and data-protection requests ---

  /** Stored in the conversation's partition, so forgetting the conversation removes it too. */
  async recordFormerOwner(
    conversationId: string,
    ownerEmail: string,
    successorEmail: string,
    at: string,
  ): Promise<void> {
    await this.put({
      ...ownershipKeys.formerOwner(conversationId, ownerEmail),
      [ITEM_TYPE_ATTRIBUTE]: 'FORMER',
      conversationId,
      ownerEmail,
      successorEmail,
      at,
    });
  }

  async getFormerOwner(conversationId: string, ownerEmail: string): Promise<FormerOwnerRecord | undefined> {
    return this.get<FormerOwnerRecord>(ownershipKeys.formerOwner(conversationId, ownerEmail));
  }

  async putDomainRule(rule: DomainRule): Promise<void> {
    await this.put({
      ...rule,
      ...ownershipKeys.domainRule(rule.domain),
      [ITEM_TYPE_ATTRIBUTE]: 'DOMAIN',
      [GSI1_PARTITION_KEY]: DOMAINS_GSI_PARTITION,
      [GSI1_SORT_KEY]: `DOMAIN#${rule.domain}`,
    });
  }

  async deleteDomainRule(domain: string): Promise<boolean> {
    const result = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: ownershipKeys.domainRule(domain),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return result.Attributes !== undefined;
  }

  async listDomainRules(): Promise<DomainRule[]> {
    return this.queryIndex<DomainRule>(DOMAINS_GSI_PARTITION, 'DOMAIN#');
  }

  async clearFailedOutcome(id: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.inbound(id),
          // A duplicate delivery's claim may have left a lease on the ended message.
          UpdateExpression: 'REMOVE #outcome, #holder, #until',
          ConditionExpression: '#outcome.#status = :failed',
          ExpressionAttributeNames: {
            '#outcome': 'outcome',
            '#status': 'status',
            '#holder': 'leaseHolder',
            '#until': 'leaseUntil',
          },
          ExpressionAttributeValues: { ':failed': 'failed' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Finds the customer's items by following the key layout: the customer, their conversations (GSI) and
   * each conversation's whole partition, the Message-ID links that point into those conversations, the
   * inbound records of every stored message plus any inbound outcome naming the customer (a scan), and
   * the sent records of those messages or naming the customer in their key (a scan).
   */
  async listCustomerData(email: string): Promise<CustomerData> {
    const items: Item[] = [];
    const customerItem = await this.getItem(keys.customer(email));
    if (customerItem) items.push(customerItem);
    const conversations = await this.listConversations(email);
    const conversationIds = new Set(conversations.map((c) => c.id));
    const messages: ConversationMessage[] = [];
    for (const conversation of conversations) {
      const raw = await this.queryRaw({
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': keys.conversation(conversation.id)[PARTITION_KEY] },
        ConsistentRead: true,
      });
      items.push(...raw);
      for (const item of raw) {
        if (item[ITEM_TYPE_ATTRIBUTE] === 'MSG') messages.push(toDomain<ConversationMessage>(item));
      }
    }

    // Someone's Cc on other customers' conversations: which ones, and the mails they wrote there.
    const participantOf = (
      await this.scanAll<Conversation>({
        FilterExpression: '#type = :type AND contains(#participants, :email)',
        ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE, '#participants': 'participants' },
        ExpressionAttributeValues: { ':type': 'CONV', ':email': email },
      })
    )
      .filter((conversation) => !conversationIds.has(conversation.id))
      .map((conversation) => conversation.id)
      .sort();
    for (const conversationId of participantOf) {
      const raw = await this.queryRaw({
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :msg)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: {
          ':pk': keys.conversation(conversationId)[PARTITION_KEY],
          ':msg': 'MSG#',
        },
        ConsistentRead: true,
      });
      for (const item of raw) {
        if (item[ITEM_TYPE_ATTRIBUTE] !== 'MSG' || item.fromAddress !== email) continue;
        items.push(item);
        messages.push(toDomain<ConversationMessage>(item));
      }
    }

    const inboundIds = new Set(messages.filter((m) => m.rawKey !== undefined).map((m) => m.id));
    const inboundItems = await this.scanRaw({
      FilterExpression: '#type = :type',
      ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE },
      ExpressionAttributeValues: { ':type': 'INBOUND' },
    });
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

    const sentItems = (
      await this.scanRaw({
        FilterExpression: '#type = :type',
        ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE },
        ExpressionAttributeValues: { ':type': 'SENT' },
      })
    ).filter((item) => {
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
      const links = await this.batchGetAll(
        candidates.slice(start, start + BATCH_GET_LIMIT).map((id) => keys.messageId(id)),
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
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: item[PARTITION_KEY], [SORT_KEY]: item[SORT_KEY] },
        }),
      );
      deleted += 1;
    });
    return deleted;
  }

  private async getItem(key: Item): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return result.Item;
  }

  private async queryRaw(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const out: Item[] = [];
    for await (const page of paginateQuery(
      { client: this.client },
      { ...input, TableName: this.tableName },
    )) {
      out.push(...(page.Items ?? []));
    }
    return out;
  }

  private async scanRaw(input: Omit<ScanCommandInput, 'TableName'>): Promise<Item[]> {
    const out: Item[] = [];
    for await (const page of paginateScan({ client: this.client }, { ...input, TableName: this.tableName })) {
      out.push(...(page.Items ?? []));
    }
    return out;
  }

  // --- Mail behaviour: reply-all participants and figures per owner ---

  /**
   * One conditional append per address, like `appendToThread`, up to `MAX_PARTICIPANTS`; a missing
   * conversation is an error.
   */
  async addParticipants(conversationId: string, addresses: string[], at: string): Promise<void> {
    for (const address of new Set(addresses)) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.conversation(conversationId),
            UpdateExpression: 'SET #list = list_append(if_not_exists(#list, :empty), :one), #updatedAt = :at',
            // Racing mails cannot push the list past the cap the relay checked.
            ConditionExpression:
              'attribute_exists(#pk) AND NOT contains(#list, :id) AND (attribute_not_exists(#list) OR size(#list) < :max)',
            ExpressionAttributeNames: {
              '#list': 'participants',
              '#updatedAt': 'updatedAt',
              '#pk': PARTITION_KEY,
            },
            ExpressionAttributeValues: {
              ':empty': [],
              ':one': [address],
              ':id': address,
              ':at': at,
              ':max': MAX_PARTICIPANTS,
            },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        const existing = await this.get<Conversation>(keys.conversation(conversationId));
        if (!existing) {
          throw new ConditionFailedError(`conversation ${conversationId} does not exist`, { cause: error });
        }
      }
    }
  }

  /** Reads the list and removes the address at its index, on condition that it is still there. */
  async removeParticipant(conversationId: string, address: string, at: string): Promise<boolean> {
    for (;;) {
      const existing = await this.get<Conversation>(keys.conversation(conversationId));
      if (!existing) throw new ConditionFailedError(`conversation ${conversationId} does not exist`);
      const index = (existing.participants ?? []).indexOf(address);
      if (index < 0) return false;
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.conversation(conversationId),
            UpdateExpression: `REMOVE #list[${index}] SET #updatedAt = :at`,
            ConditionExpression: `#list[${index}] = :address`,
            ExpressionAttributeNames: { '#list': 'participants', '#updatedAt': 'updatedAt' },
            ExpressionAttributeValues: { ':address': address, ':at': at },
          }),
        );
        return true;
      } catch (error) {
        // The list changed between the read and the write: read it again.
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
  }

  async markLoopEnded(conversationId: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.conversation(conversationId),
          UpdateExpression: 'SET #loop = :at',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#loop': 'loopEndedAt', '#pk': PARTITION_KEY },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConditionFailedError(`conversation ${conversationId} does not exist`, { cause: error });
      }
      throw error;
    }
  }

  async fillCustomerName(email: string, name: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.customer(email),
          UpdateExpression: 'SET #name = :name',
          ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#name) OR #name = :empty)',
          ExpressionAttributeNames: { '#name': 'name', '#pk': PARTITION_KEY },
          ExpressionAttributeValues: { ':name': name, ':empty': '' },
        }),
      );
    } catch (error) {
      // A name is already there (or the customer is gone): nothing to fill in.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** A filtered scan of the whole table: an ops query (figures), never on the mail path. */
  async listConversationsUpdatedSince(since: string): Promise<Conversation[]> {
    const conversations = await this.scanAll<Conversation>({
      FilterExpression: '#type = :type AND #updatedAt >= :since',
      ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE, '#updatedAt': 'updatedAt' },
      ExpressionAttributeValues: { ':type': 'CONV', ':since': since },
    });
    return conversations.sort((a, b) => compareStrings(a.createdAt, b.createdAt));
  }
}

function toDomain<T>(item: Item): T {
  const out: Item = {};
  for (const [name, value] of Object.entries(item)) {
    if (!INTERNAL_ATTRIBUTES.has(name)) out[name] = value;
  }
  return out as T;
}

/** Drops `undefined` members (recursively) so any document client marshals the item, whatever its options. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((entry) => withoutUndefined(entry)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Item = {};
    for (const [name, member] of Object.entries(value)) {
      if (member !== undefined) out[name] = withoutUndefined(member);
    }
    return out as T;
  }
  return value;
}

function ttlFrom(at: string, seconds: number | undefined): number | undefined {
  if (seconds === undefined) return undefined;
  const millis = Date.parse(at);
  if (Number.isNaN(millis)) throw new Error(`not an ISO time: ${at}`);
  return Math.floor(millis / 1000) + seconds;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

function isItemTooLarge(error: unknown): boolean {
  return (
    errorName(error) === 'ValidationException' && error instanceof Error && /item size/i.test(error.message)
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function forEachLimited<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** All domain rules share one GSI partition so listing them is a query. */
const DOMAINS_GSI_PARTITION = 'DOMAINS';

/** Keys of the ownership items (handoff records, domain rules). */
export const ownershipKeys = {
  formerOwner: (conversationId: string, ownerEmail: string) => ({
    [PARTITION_KEY]: `CONV#${conversationId}`,
    [SORT_KEY]: `FORMER#${ownerEmail}`,
  }),
  domainRule: (domain: string) => ({ [PARTITION_KEY]: `DOMAIN#${domain}`, [SORT_KEY]: 'DOMAIN' }),
} as const;
