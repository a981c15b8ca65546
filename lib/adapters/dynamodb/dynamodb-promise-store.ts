import { dueEntryKey } from '../../domain/due-index.js';
import type { PromiseSlot } from '../../domain/promise-state.js';
import type { ResponsePromise } from '../../domain/types.js';
import type { DueEntry, PromiseStore } from '../../ports/promise-store.js';
import { type DynamoDbTable, isConditionalCheckFailed } from './dynamodb-table.js';
import { conversationKeys, ITEM_TYPE_ATTRIBUTE, promiseKeys } from './item-keys.js';
import { DUE_INDEX_NAME, DUE_PARTITION_KEY, DUE_SORT_KEY, PARTITION_KEY } from './table-schema.js';

/**
 * {@link PromiseStore} over the one table: the promise and its due-index keys are attributes of the
 * conversation item, written in one conditional update; the index is a sparse GSI read bucket by bucket.
 */
export class DynamoDbPromiseStore implements PromiseStore {
  constructor(private readonly table: DynamoDbTable) {}

  async writePromise(
    conversationId: string,
    slot: PromiseSlot,
    seenRev: number | undefined,
    at: string,
  ): Promise<boolean> {
    const names: Record<string, string> = {
      '#pk': PARTITION_KEY,
      '#promise': 'promise',
      '#rev': 'promiseRev',
      '#duepk': DUE_PARTITION_KEY,
      '#duesk': DUE_SORT_KEY,
    };
    const values: Record<string, unknown> = { ':one': 1 };
    const sets: string[] = [];
    const removes: string[] = [];
    const { promise, promiseEpoch } = slot;
    if (promise) {
      const entry = dueEntryKey(promise, conversationId, new Date(at));
      values[':promise'] = promise;
      values[':duepk'] = promiseKeys.dueIndexPartition(entry.bucket);
      values[':duesk'] = entry.sortKey;
      sets.push('#promise = :promise', '#duepk = :duepk', '#duesk = :duesk');
    } else {
      removes.push('#promise', '#duepk', '#duesk');
    }
    if (promiseEpoch !== undefined) {
      names['#epoch'] = 'promiseEpoch';
      values[':epoch'] = promiseEpoch;
      sets.push('#epoch = :epoch');
    }
    const conditions = ['attribute_exists(#pk)'];
    if (seenRev !== undefined && seenRev > 0) {
      values[':seen'] = seenRev;
      conditions.push('#rev = :seen');
    } else if (seenRev !== undefined) {
      conditions.push('attribute_not_exists(#rev)');
    }
    try {
      await this.table.update({
        Key: conversationKeys.conversation(conversationId),
        UpdateExpression: `${sets.length > 0 ? `SET ${sets.join(', ')} ` : ''}${removes.length > 0 ? `REMOVE ${removes.join(', ')} ` : ''}ADD #rev :one`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async readDueBucket(bucket: string, until?: string): Promise<DueEntry[]> {
    const range = until === undefined ? '' : ' AND #sk <= :until';
    // `#` sorts below every character of a conversation id, `~` above: every entry at `until` is in.
    const items = await this.table.queryRaw({
      IndexName: DUE_INDEX_NAME,
      KeyConditionExpression: `#pk = :pk${range}`,
      ExpressionAttributeNames: {
        '#pk': DUE_PARTITION_KEY,
        ...(until === undefined ? {} : { '#sk': DUE_SORT_KEY }),
      },
      ExpressionAttributeValues: {
        ':pk': promiseKeys.dueIndexPartition(bucket),
        ...(until === undefined ? {} : { ':until': `${until}#~` }),
      },
    });
    return items.flatMap((item) => {
      const sortKey = item[DUE_SORT_KEY];
      const promise = item.promise as ResponsePromise | undefined;
      if (typeof sortKey !== 'string' || !promise) return [];
      const cut = sortKey.indexOf('#');
      return [
        {
          conversationId: sortKey.slice(cut + 1),
          customerEmail: String(item.customerEmail ?? ''),
          ownerEmail: String(item.ownerEmail ?? ''),
          promise,
          at: sortKey.slice(0, cut),
        },
      ];
    });
  }

  async getSweepCursor(): Promise<string | undefined> {
    const item = await this.table.getItem(promiseKeys.sweepCursor());
    return typeof item?.day === 'string' ? item.day : undefined;
  }

  async advanceSweepCursor(day: string): Promise<void> {
    await this.table.putWhen(
      { ...promiseKeys.sweepCursor(), [ITEM_TYPE_ATTRIBUTE]: 'SWEEP', day },
      {
        expression: 'attribute_not_exists(#day) OR #day < :day',
        names: { '#day': 'day' },
        values: { ':day': day },
      },
    );
  }
}
