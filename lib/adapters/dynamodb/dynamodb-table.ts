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
  QueryCommand,
  type QueryCommandInput,
  type ScanCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import DataLoader from 'dataloader';
import { ConditionFailedError } from '../../domain/errors.js';
import { ITEM_TYPE_ATTRIBUTE, type Item, type ItemKey } from './item-keys.js';
import {
  DUE_PARTITION_KEY,
  DUE_SORT_KEY,
  GSI1_NAME,
  GSI1_PARTITION_KEY,
  GSI1_SORT_KEY,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from './table-schema.js';

/** Most keys one BatchGetItem carries. */
export const BATCH_GET_LIMIT = 100;
const MAX_UNPROCESSED_RETRIES = 8;
/** Bounded parallelism for per-item writes (Message-ID links, deletes). */
export const WRITE_CONCURRENCY = 16;

const INTERNAL_ATTRIBUTES = new Set([
  PARTITION_KEY,
  SORT_KEY,
  GSI1_PARTITION_KEY,
  GSI1_SORT_KEY,
  DUE_PARTITION_KEY,
  DUE_SORT_KEY,
  ITEM_TYPE_ATTRIBUTE,
  TTL_ATTRIBUTE,
  // An inbound claim's lease is the store's concern, not part of the record.
  'leaseHolder',
  'leaseUntil',
  // Whose open count includes a conversation: bookkeeping of the counts, not part of the conversation.
  'openCountedFor',
]);

/**
 * The one table as the role adapters use it: consistent reads, puts (conditional or not), updates,
 * paged queries and scans, batched reads with retries of unprocessed keys. Every role adapter shares
 * one instance, so each AWS call they make is one call here.
 */
export class DynamoDbTable {
  /**
   * Batched reads started together (the lookups of one mail, issued side by side by different roles)
   * go out as one BatchGetItem per consistency: each call costs the Lambda about as much CPU as parsing
   * the mail, while its read units are the same whichever request carries a key. Nothing is cached: a
   * read always asks the table.
   */
  private readonly readers = {
    consistent: this.batchReader(true),
    eventual: this.batchReader(false),
  };

  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** The item as the domain sees it (no keys, type or TTL), read consistently. */
  async get<T>(key: ItemKey): Promise<T | undefined> {
    const item = await this.getItem(key);
    return item ? toDomain<T>(item) : undefined;
  }

  /** The item as stored, read consistently. */
  async getItem(key: ItemKey): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return result.Item;
  }

  /** Reads an item that a failed `attribute_not_exists` condition proved to exist. */
  async getExisting<T>(key: ItemKey, what: string): Promise<T> {
    const existing = await this.get<T>(key);
    // Only reachable if the winner was deleted in between; a retry settles it.
    if (!existing) throw new ConditionFailedError(`${what} vanished after a conflicting create`);
    return existing;
  }

  async put(item: Item): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: withoutUndefined(item) }));
  }

  /** Puts the item unless one with the same key exists; true when this call created it. */
  putIfAbsent(item: Item): Promise<boolean> {
    return this.putWhen(item, { expression: 'attribute_not_exists(#pk)', names: { '#pk': PARTITION_KEY } });
  }

  /** Puts the item on a condition; true when it was written, false when the condition failed. */
  async putWhen(item: Item, condition: Condition): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: withoutUndefined(item),
          ...conditionInput(condition),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<UpdateCommandOutput> {
    return this.client.send(new UpdateCommand({ ...input, TableName: this.tableName }));
  }

  /**
   * An update on condition that the item exists: a failed condition is a `ConditionFailedError` whose
   * message is `what`.
   */
  async updateExisting(input: Omit<UpdateCommandInput, 'TableName'>, what: string): Promise<void> {
    try {
      await this.update({
        ...input,
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { ...input.ExpressionAttributeNames, '#pk': PARTITION_KEY },
      });
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new ConditionFailedError(what, { cause: error });
      throw error;
    }
  }

  /** Deletes one item by its key (an item as stored, or a key), on `condition` when given. */
  async delete(item: Item, condition?: Condition): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: item[PARTITION_KEY], [SORT_KEY]: item[SORT_KEY] },
        ...(condition ? conditionInput(condition) : {}),
      }),
    );
  }

  /** Deletes one item and says whether there was one. */
  async deleteReturningOld(key: ItemKey): Promise<boolean> {
    const result = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD' }),
    );
    return result.Attributes !== undefined;
  }

  /** Every page of a query, as stored. */
  async queryRaw(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const out: Item[] = [];
    for await (const page of paginateQuery(
      { client: this.client },
      { ...input, TableName: this.tableName },
    )) {
      out.push(...(page.Items ?? []));
    }
    return out;
  }

  /** One page of a query (at most `Limit` items), and whether more follow. */
  async queryPage(input: Omit<QueryCommandInput, 'TableName'>): Promise<{ items: Item[]; more: boolean }> {
    const page = await this.client.send(new QueryCommand({ ...input, TableName: this.tableName }));
    return { items: page.Items ?? [], more: page.LastEvaluatedKey !== undefined };
  }

  async queryAll<T>(input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
    return (await this.queryRaw(input)).map((item) => toDomain<T>(item));
  }

  /** Items of one partition whose sort key starts with `prefix`, read consistently. */
  async queryPartition<T>(partition: string, prefix: string): Promise<T[]> {
    return (await this.queryPartitionItems(partition, prefix)).map((item) => toDomain<T>(item));
  }

  /** The same items as stored (keys included). */
  queryPartitionItems(partition: string, prefix: string): Promise<Item[]> {
    return this.queryRaw({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':pk': partition, ':prefix': prefix },
      ConsistentRead: true,
    });
  }

  /** Items listed in `gsi1` under one partition whose sort key starts with `prefix`. */
  queryIndex<T>(partition: string, prefix: string): Promise<T[]> {
    return this.queryAll<T>({
      IndexName: GSI1_NAME,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': GSI1_PARTITION_KEY, '#sk': GSI1_SORT_KEY },
      ExpressionAttributeValues: { ':pk': partition, ':prefix': prefix },
    });
  }

  /** Every page of a scan, as stored: ops tools only, never the mail path. */
  async scanRaw(input: Omit<ScanCommandInput, 'TableName'>): Promise<Item[]> {
    const out: Item[] = [];
    for await (const page of paginateScan({ client: this.client }, { ...input, TableName: this.tableName })) {
      out.push(...(page.Items ?? []));
    }
    return out;
  }

  async scanAll<T>(input: Omit<ScanCommandInput, 'TableName'>): Promise<T[]> {
    return (await this.scanRaw(input)).map((item) => toDomain<T>(item));
  }

  /** Every item of one type, as stored (a filtered scan). */
  scanType(type: string): Promise<Item[]> {
    return this.scanRaw({
      FilterExpression: '#type = :type',
      ExpressionAttributeNames: { '#type': ITEM_TYPE_ATTRIBUTE },
      ExpressionAttributeValues: { ':type': type },
    });
  }

  /**
   * Reads of any number of keys: BatchGets of at most 100 keys, sent together. Consistent unless
   * `consistent` is false (half the read units, for items that change rarely).
   */
  async batchGet(wanted: ItemKey[], consistent = true): Promise<Item[]> {
    const reader = consistent ? this.readers.consistent : this.readers.eventual;
    const found = await Promise.all(wanted.map((key) => reader.load(key)));
    return found.filter((item): item is Item => item !== undefined);
  }

  /**
   * Collects the keys asked for within one turn of the event loop (DataLoader's schedule) and reads
   * them in BatchGets of at most 100 distinct keys; each key's item, or `undefined` when there is none.
   */
  private batchReader(consistent: boolean): DataLoader<ItemKey, Item | undefined, string> {
    return new DataLoader<ItemKey, Item | undefined, string>(
      async (asked) => {
        // Two roles may ask for the same item at once; BatchGetItem refuses a request that repeats a key.
        const distinct = [...new Map(asked.map((key) => [keyString(key), key])).values()];
        const items = await this.batchGetChunk(distinct, consistent);
        const byKey = new Map(items.map((item) => [keyString(item), item]));
        return asked.map((key) => byKey.get(keyString(key)));
      },
      { cache: false, maxBatchSize: BATCH_GET_LIMIT, cacheKeyFn: keyString },
    );
  }

  /** One BatchGet of at most 100 keys, re-requesting unprocessed keys with backoff. */
  async batchGetChunk(batchKeys: ItemKey[], consistent = true): Promise<Item[]> {
    const out: Item[] = [];
    let pending: BatchGetCommandInput['RequestItems'] = {
      [this.tableName]: { Keys: batchKeys, ConsistentRead: consistent },
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
}

/** An item's key as one string, unambiguous whatever the parts hold (a Message-ID is the sender's). */
function keyString(key: Item): string {
  return JSON.stringify([key[PARTITION_KEY], key[SORT_KEY]]);
}

/** A condition expression with its names and values. */
export interface Condition {
  expression: string;
  names: Record<string, string>;
  values?: Record<string, unknown>;
}

function conditionInput(condition: Condition) {
  return {
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: condition.names,
    ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
  };
}

/** The item without the store's own attributes (keys, type, TTL, lease). */
export function toDomain<T>(item: Item): T {
  const out: Item = {};
  for (const [name, value] of Object.entries(item)) {
    if (!INTERNAL_ATTRIBUTES.has(name)) out[name] = value;
  }
  return out as T;
}

/** Drops `undefined` members (recursively) so any document client marshals the item, whatever its options. */
export function withoutUndefined<T>(value: T): T {
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

/** Epoch seconds `seconds` after the ISO time `at`; undefined when no TTL is configured. */
export function ttlFrom(at: string, seconds: number | undefined): number | undefined {
  if (seconds === undefined) return undefined;
  const millis = Date.parse(at);
  if (Number.isNaN(millis)) throw new Error(`not an ISO time: ${at}`);
  return Math.floor(millis / 1000) + seconds;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

export function isItemTooLarge(error: unknown): boolean {
  return (
    errorName(error) === 'ValidationException' && error instanceof Error && /item size/i.test(error.message)
  );
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `run` over the items with at most `limit` at a time. */
export async function forEachLimited<T>(
  items: T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
