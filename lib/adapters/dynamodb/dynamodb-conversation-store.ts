import { dueEntryKey } from '../../domain/due-index.js';
import { ConditionFailedError, PermanentFailureError } from '../../domain/errors.js';
import { MAX_PARTICIPANTS } from '../../domain/participants.js';
import type { PromiseSlot } from '../../domain/promise-state.js';
import { THREAD_LIMIT, trimReferences } from '../../domain/thread-conversation.js';
import type { Conversation, ConversationMessage, Customer, FirstAnswer } from '../../domain/types.js';
import type {
  ConversationStore,
  FormerOwnerRecord,
  LookUpResult,
  MessageLink,
  ThreadAdditions,
  ThreadsSeen,
} from '../../ports/conversation-store.js';
import { DynamoDbPromiseStore } from './dynamodb-promise-store.js';
import {
  compareStrings,
  type DynamoDbTable,
  forEachLimited,
  isConditionalCheckFailed,
  isItemTooLarge,
  toDomain,
  WRITE_CONCURRENCY,
  withoutUndefined,
} from './dynamodb-table.js';
import { directoryKeys, ITEM_TYPE_ATTRIBUTE, conversationKeys as keys, promiseKeys } from './item-keys.js';
import { withCompressedText, withPlainText } from './message-text.js';
import { DUE_PARTITION_KEY, DUE_SORT_KEY, PARTITION_KEY } from './table-schema.js';

/** Attribute of a conversation naming the owner whose open count includes it (store bookkeeping). */
export const OPEN_COUNTED_FOR = 'openCountedFor';

/**
 * {@link ConversationStore} over the one table. The conversation item carries no index keys, so the many
 * updates of its lists write no index copy.
 */
export class DynamoDbConversationStore implements ConversationStore {
  constructor(private readonly table: DynamoDbTable) {}

  async getConversation(id: string): Promise<Conversation | undefined> {
    return this.table.get<Conversation>(keys.conversation(id));
  }

  /** The customer's partition holds a small pointer to the conversation (written with it, idempotently). */
  async createConversation(conversation: Conversation): Promise<Conversation> {
    const [created] = await Promise.all([
      this.table.putIfAbsent({
        ...conversation,
        ...keys.conversation(conversation.id),
        [ITEM_TYPE_ATTRIBUTE]: 'CONV',
      }),
      this.table.put({
        ...keys.customerConversation(conversation.customerEmail, conversation.id),
        [ITEM_TYPE_ATTRIBUTE]: 'CONVREF',
        conversationId: conversation.id,
      }),
    ]);
    if (created) return conversation;
    return this.table.getExisting<Conversation>(
      keys.conversation(conversation.id),
      `conversation ${conversation.id}`,
    );
  }

  async updateConversation(
    conversationId: string,
    change: { ownerEmail?: string; status?: Conversation['status'] },
    at: string,
  ): Promise<void> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
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
    await this.table.updateExisting(
      {
        Key: keys.conversation(conversationId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
      `conversation ${conversationId} does not exist`,
    );
  }

  /** The customer's conversations, newest first: their pointers, then one batched read. */
  async listConversations(customerEmail: string): Promise<Conversation[]> {
    const pointers = await this.table.queryPartition<{ conversationId?: unknown }>(
      directoryKeys.customer(customerEmail)[PARTITION_KEY],
      keys.customerConversationPrefix,
    );
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
    // A Message-ID link is written once, when its mail is stored or sent, and never changes: read at
    // half the units (eventually consistent), beside the consistent reads of what does change. A link
    // written in the last second can be missed; mail answering a mail comes later than that, and our
    // own conversation reference in it is read consistently.
    const [items, links] = await Promise.all([
      this.table.batchGet([
        ...[...new Set(request.customerEmails)].map((email) => directoryKeys.customer(email)),
        ...[...new Set(request.conversationIds)].map((id) => keys.conversation(id)),
      ]),
      this.table.batchGet(
        [...new Set(request.messageIds)].map((id) => keys.messageId(id)),
        false,
      ),
    ]);
    const result: LookUpResult = { customers: new Map(), conversations: new Map(), links: new Map() };
    for (const item of [...items, ...links]) {
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
    return result;
  }

  /**
   * One conditional update per id, in order, so concurrent appends interleave without losing or doubling
   * an id; each list keeps at most `THREAD_LIMIT` ids. Throws `ConditionFailedError` when the
   * conversation does not exist.
   */
  async appendToThread(
    conversationId: string,
    thread: 'customerThread' | 'ownerThread',
    messageIds: string[],
    at: string,
  ): Promise<void> {
    for (const messageId of messageIds)
      await appendToThread(this.table, conversationId, thread, messageId, at);
  }

  /**
   * One conditional update for both threads (trimming each to `THREAD_LIMIT` on the way, by the lengths
   * `seen` in the caller's copy), the reopening and the first answer; when the condition fails (a retry,
   * a racing append, a list not as seen) each missing piece is written on its own.
   */
  async recordThreads(
    conversationId: string,
    add: ThreadAdditions,
    at: string,
    seen?: ThreadsSeen,
  ): Promise<void> {
    const update = new ThreadUpdate(at);
    const lists = (['customerThread', 'ownerThread'] as const).filter((list) => add[list] !== undefined);
    for (const list of lists) update.append(list, add[list] as string, seen?.[list] ?? []);
    if (add.reopen) {
      update.names['#status'] = 'status';
      update.values[':open'] = 'open';
      update.sets.push('#status = :open');
    }
    if (add.firstAnswer) update.firstAnswer(add.firstAnswer);
    if (add.promise) update.promise(add.promise, conversationId, at);
    const counts = add.paceWindow !== undefined && add.ownerThread !== undefined;
    if (counts) update.pace(add.paceWindow as number, seen);
    try {
      await this.table.update(update.input(conversationId));
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = await existingConversation(this.table, conversationId, error);
      const appends = lists.filter((list) => !(existing[list] ?? []).includes(add[list] as string));
      const writePromise = (slot: PromiseSlot) =>
        new DynamoDbPromiseStore(this.table).writePromise(conversationId, slot, undefined, at);
      // The promise is written regardless of the threads (an answer ends it, a waiting mail starts it):
      // with the first append still due, in the same update, so the item is written once.
      const [carrier] = appends;
      await Promise.all([
        ...appends.map(async (list) => {
          const slot = list === carrier ? add.promise : undefined;
          const written = await appendToThread(
            this.table,
            conversationId,
            list,
            add[list] as string,
            at,
            existing,
            {
              ...(slot ? { promise: slot } : {}),
              // The relay's own entry and its count are one write, so a retry or a twin counts nothing.
              ...(counts && list === 'ownerThread' ? { paceWindow: add.paceWindow as number } : {}),
            },
          );
          if (slot && !written) await writePromise(slot);
        }),
        ...(add.reopen && existing.status !== 'open'
          ? [this.updateConversation(conversationId, { status: 'open' }, at)]
          : []),
        ...(add.firstAnswer && !existing.firstAnswer
          ? [recordFirstAnswer(this.table, conversationId, add.firstAnswer, at)]
          : []),
        ...(add.promise && carrier === undefined ? [writePromise(add.promise)] : []),
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
    await forEachLimited([...new Set(messageIds)], WRITE_CONCURRENCY, async (messageId) => {
      await this.table.putIfAbsent({
        ...keys.messageId(messageId),
        [ITEM_TYPE_ATTRIBUTE]: 'MSGID',
        messageId,
        conversationId,
        ...origin,
      });
    });
  }

  /** One conditional append per address, like `appendToThread`, up to `MAX_PARTICIPANTS`. */
  async addParticipants(conversationId: string, addresses: string[], at: string): Promise<void> {
    for (const address of new Set(addresses)) {
      // Racing mails cannot push the list past the cap the relay checked.
      await appendOnce(this.table, conversationId, 'participants', address, at, MAX_PARTICIPANTS);
    }
  }

  /** Reads the list and removes the address at its index, on condition that it is still there. */
  async removeParticipant(conversationId: string, address: string, at: string): Promise<boolean> {
    for (;;) {
      const existing = await this.getConversation(conversationId);
      if (!existing) throw new ConditionFailedError(`conversation ${conversationId} does not exist`);
      const index = (existing.participants ?? []).indexOf(address);
      if (index < 0) return false;
      try {
        await this.table.update({
          Key: keys.conversation(conversationId),
          UpdateExpression: `REMOVE #list[${index}] SET #updatedAt = :at`,
          ConditionExpression: `#list[${index}] = :address`,
          ExpressionAttributeNames: { '#list': 'participants', '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: { ':address': address, ':at': at },
        });
        return true;
      } catch (error) {
        // The list changed between the read and the write: read it again.
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
  }

  async markOpenCountedFor(
    conversationId: string,
    ownerEmail: string | undefined,
  ): Promise<{ changed: boolean; previous?: string }> {
    try {
      const result = await this.table.update({
        Key: keys.conversation(conversationId),
        ...(ownerEmail === undefined
          ? { UpdateExpression: 'REMOVE #counted', ConditionExpression: 'attribute_exists(#counted)' }
          : {
              UpdateExpression: 'SET #counted = :owner',
              ConditionExpression:
                'attribute_exists(#pk) AND (attribute_not_exists(#counted) OR #counted <> :owner)',
              ExpressionAttributeValues: { ':owner': ownerEmail },
            }),
        ExpressionAttributeNames: {
          '#counted': OPEN_COUNTED_FOR,
          ...(ownerEmail === undefined ? {} : { '#pk': PARTITION_KEY }),
        },
        ReturnValues: 'UPDATED_OLD',
      });
      const previous = result.Attributes?.[OPEN_COUNTED_FOR];
      return { changed: true, ...(typeof previous === 'string' ? { previous } : {}) };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return { changed: false };
      throw error;
    }
  }

  async markLoopEnded(conversationId: string, at: string): Promise<void> {
    await this.table.updateExisting(
      {
        Key: keys.conversation(conversationId),
        UpdateExpression: 'SET #loop = :at',
        ExpressionAttributeNames: { '#loop': 'loopEndedAt' },
        ExpressionAttributeValues: { ':at': at },
      },
      `conversation ${conversationId} does not exist`,
    );
  }

  /** Stored in the conversation's partition, so forgetting the conversation removes it too. */
  async recordFormerOwner(
    conversationId: string,
    ownerEmail: string,
    successorEmail: string,
    at: string,
  ): Promise<void> {
    await this.table.put({
      ...keys.formerOwner(conversationId, ownerEmail),
      [ITEM_TYPE_ATTRIBUTE]: 'FORMER',
      conversationId,
      ownerEmail,
      successorEmail,
      at,
    });
  }

  async getFormerOwner(conversationId: string, ownerEmail: string): Promise<FormerOwnerRecord | undefined> {
    return this.table.get<FormerOwnerRecord>(keys.formerOwner(conversationId, ownerEmail));
  }

  /**
   * Deterministic key (`MSG#<at>#<id>`): storing the same message again overwrites the one item. Callers
   * must pass the same `at` on a retry. An item over DynamoDB's 400 KB limit is a `PermanentFailureError`.
   */
  async putMessage(message: ConversationMessage): Promise<void> {
    try {
      await Promise.all([
        this.table.put(
          withCompressedText({
            ...message,
            ...keys.message(message.conversationId, message.at, message.id),
            [ITEM_TYPE_ATTRIBUTE]: 'MSG',
          }),
        ),
        // Deterministic like the message: a retry writes the same copy.
        ...(message.direction === 'note'
          ? [
              this.table.put({
                ...keys.note(message.conversationId, message.at, message.id),
                [ITEM_TYPE_ATTRIBUTE]: 'NOTE',
                conversationId: message.conversationId,
                id: message.id,
                at: message.at,
                text: message.text,
              }),
            ]
          : []),
      ]);
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
    const items = await this.table.queryPartitionItems(
      keys.conversation(conversationId)[PARTITION_KEY],
      keys.messagePrefix,
    );
    return items.map((item) => toDomain<ConversationMessage>(withPlainText(item)));
  }

  async listNotes(conversationId: string): Promise<string[]> {
    const notes = await this.table.queryPartition<{ text?: unknown }>(
      keys.conversation(conversationId)[PARTITION_KEY],
      keys.notePrefix,
    );
    return notes.flatMap((note) => (typeof note.text === 'string' ? [note.text] : []));
  }
}

/** Names, values and clauses of one conversation update, built piece by piece. */
class ThreadUpdate {
  readonly names: Record<string, string> = { '#updatedAt': 'updatedAt', '#pk': PARTITION_KEY };
  readonly values: Record<string, unknown>;
  readonly sets = ['#updatedAt = :at'];
  readonly removes: string[] = [];
  readonly conditions = ['attribute_exists(#pk)'];
  private lists = 0;

  constructor(at: string) {
    this.values = { ':at': at };
  }

  /**
   * Appends `value` to `list` unless it is there. A list of fewer than `THREAD_LIMIT` ids grows by one;
   * a full one (as `seen` has it) drops its second id as the new one goes on the end, so it keeps its
   * first id and the newest, and counts the drop; a longer one (stored under a higher limit) is replaced
   * by its trimmed form in this same update, so it costs no write of its own. Each is conditional on the
   * length, so a list that is not as seen fails the condition instead of passing the limit.
   */
  append(list: ThreadList, value: string, seen: readonly string[]): void {
    const n = this.lists++;
    const [l, id] = [`#l${n}`, `:id${n}`];
    this.names[l] = list;
    this.values[id] = value;
    this.conditions.push(`NOT contains(${l}, ${id})`);
    if (seen.length > THREAD_LIMIT) {
      // Lists only grow by one or shrink to the limit, so one of this length is the one seen.
      const trimmed = trimReferences([...seen, value]);
      this.values[`:list${n}`] = trimmed;
      this.values[`:length${n}`] = seen.length;
      this.sets.push(`${l} = :list${n}`);
      this.conditions.push(`size(${l}) = :length${n}`);
      this.countDropped(list, n, seen.length + 1 - trimmed.length);
    } else if (seen.length < THREAD_LIMIT) {
      this.values[':limit'] = THREAD_LIMIT;
      this.values[':empty'] = [];
      this.values[`:one${n}`] = [value];
      this.sets.push(`${l} = list_append(if_not_exists(${l}, :empty), :one${n})`);
      this.conditions.push(`(attribute_not_exists(${l}) OR size(${l}) < :limit)`);
    } else {
      // Setting past the end appends; the two paths name different elements, so one update does both.
      this.values[':limit'] = THREAD_LIMIT;
      this.sets.push(`${l}[${THREAD_LIMIT}] = ${id}`);
      this.removes.push(`${l}[1]`);
      this.conditions.push(`size(${l}) = :limit`);
      this.countDropped(list, n, 1);
    }
  }

  /**
   * Counts one mail in loop window `window`, conditional on the count as `seen`: the next count of the
   * same window, or 1 in a newer one. A mail of an older window than the one counted counts nothing.
   */
  pace(window: number, seen: Pick<Conversation, 'paceWindow' | 'paceCount'> | undefined): void {
    if (seen?.paceWindow !== undefined && seen.paceWindow > window) return;
    this.names['#paceWindow'] = 'paceWindow';
    this.names['#paceCount'] = 'paceCount';
    this.values[':window'] = window;
    if (seen?.paceWindow === window) {
      this.values[':seenCount'] = seen.paceCount ?? 0;
      this.values[':nextCount'] = (seen.paceCount ?? 0) + 1;
      this.sets.push('#paceCount = :nextCount');
      this.conditions.push('#paceWindow = :window', '#paceCount = :seenCount');
      return;
    }
    this.values[':firstCount'] = 1;
    this.sets.push('#paceWindow = :window', '#paceCount = :firstCount');
    if (seen?.paceWindow === undefined) this.conditions.push('attribute_not_exists(#paceWindow)');
    else {
      this.values[':seenWindow'] = seen.paceWindow;
      this.conditions.push('#paceWindow = :seenWindow');
    }
  }

  firstAnswer(answer: FirstAnswer): void {
    this.names['#answer'] = 'firstAnswer';
    this.values[':answer'] = answer;
    this.sets.push('#answer = if_not_exists(#answer, :answer)');
  }

  /**
   * Replaces the promise and its due-index entry in the same update (see `DynamoDbPromiseStore`), and
   * counts the write on `promiseRev`, so a sweep that decided from the promise before cannot overwrite it.
   */
  promise(slot: PromiseSlot, conversationId: string, at: string): void {
    this.names['#promise'] = 'promise';
    this.names['#duepk'] = DUE_PARTITION_KEY;
    this.names['#duesk'] = DUE_SORT_KEY;
    this.names['#rev'] = 'promiseRev';
    this.values[':zero'] = 0;
    this.values[':one'] = 1;
    this.sets.push('#rev = if_not_exists(#rev, :zero) + :one');
    if (slot.promise) {
      const entry = dueEntryKey(slot.promise, conversationId, new Date(at));
      this.values[':promise'] = slot.promise;
      this.values[':duepk'] = promiseKeys.dueIndexPartition(entry.bucket);
      this.values[':duesk'] = entry.sortKey;
      this.sets.push('#promise = :promise', '#duepk = :duepk', '#duesk = :duesk');
    } else {
      this.removes.push('#promise', '#duepk', '#duesk');
    }
    if (slot.promiseEpoch !== undefined) {
      this.names['#epoch'] = 'promiseEpoch';
      this.values[':epoch'] = slot.promiseEpoch;
      this.sets.push('#epoch = :epoch');
    }
  }

  input(conversationId: string) {
    return {
      Key: keys.conversation(conversationId),
      UpdateExpression: `SET ${this.sets.join(', ')}${this.removes.length ? ` REMOVE ${this.removes.join(', ')}` : ''}`,
      ConditionExpression: this.conditions.join(' AND '),
      ExpressionAttributeNames: this.names,
      ExpressionAttributeValues: withoutUndefined(this.values),
    };
  }

  private countDropped(list: ThreadList, n: number, count: number): void {
    this.names[`#d${n}`] = `${list}Dropped`;
    this.values[`:dropped${n}`] = count;
    this.values[':zero'] = 0;
    this.sets.push(`#d${n} = if_not_exists(#d${n}, :zero) + :dropped${n}`);
  }
}

type ThreadList = 'customerThread' | 'ownerThread';

/**
 * Appends `value` to a thread list unless it is there, keeping at most `THREAD_LIMIT` ids: one
 * conditional update, and when the conversation was not as `seen`, a read and another try. With
 * `paceWindow`, the same write counts the mail in that loop window (unless a newer window is counted).
 */
async function appendToThread(
  table: DynamoDbTable,
  conversationId: string,
  list: ThreadList,
  value: string,
  at: string,
  seen: Partial<ThreadsSeen> = {},
  options: { paceWindow?: number; promise?: PromiseSlot } = {},
): Promise<boolean> {
  let current = seen;
  for (;;) {
    const update = new ThreadUpdate(at);
    update.append(list, value, current[list] ?? []);
    if (options.promise) update.promise(options.promise, conversationId, at);
    if (options.paceWindow !== undefined) update.pace(options.paceWindow, current);
    try {
      await table.update(update.input(conversationId));
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      current = await existingConversation(table, conversationId, error);
      if ((current[list] ?? []).includes(value)) return false;
    }
  }
}

/** Records the first answer on a conversation that has none yet. */
async function recordFirstAnswer(
  table: DynamoDbTable,
  conversationId: string,
  answer: FirstAnswer,
  at: string,
): Promise<void> {
  const update = new ThreadUpdate(at);
  update.firstAnswer(answer);
  await table.update(update.input(conversationId));
}

/**
 * Appends `value` to the conversation's participants unless it is there already or the list holds `max`
 * entries, and sets `updatedAt`.
 */
async function appendOnce(
  table: DynamoDbTable,
  conversationId: string,
  list: 'participants',
  value: string,
  at: string,
  max: number,
): Promise<void> {
  try {
    await table.update({
      Key: keys.conversation(conversationId),
      UpdateExpression: 'SET #list = list_append(if_not_exists(#list, :empty), :one), #updatedAt = :at',
      ConditionExpression:
        'attribute_exists(#pk) AND NOT contains(#list, :id) AND (attribute_not_exists(#list) OR size(#list) < :max)',
      ExpressionAttributeNames: { '#list': list, '#updatedAt': 'updatedAt', '#pk': PARTITION_KEY },
      ExpressionAttributeValues: { ':empty': [], ':one': [value], ':id': value, ':at': at, ':max': max },
    });
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    // The condition cannot say which part failed (ReturnValuesOnConditionCheckFailure is not portable):
    // only a missing conversation is an error, a value already there (or a full list) is not.
    await existingConversation(table, conversationId, error);
  }
}

/** The conversation a failed condition found; a `ConditionFailedError` when there is none. */
async function existingConversation(
  table: DynamoDbTable,
  conversationId: string,
  cause: unknown,
): Promise<Conversation> {
  const existing = await table.get<Conversation>(keys.conversation(conversationId));
  if (!existing) throw new ConditionFailedError(`conversation ${conversationId} does not exist`, { cause });
  return existing;
}
