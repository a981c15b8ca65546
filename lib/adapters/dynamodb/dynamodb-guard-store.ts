import type { GuardStore, SenderCount, SuppressionRecord } from '../../ports/guard-store.js';
import { type DynamoDbTable, isConditionalCheckFailed } from './dynamodb-table.js';
import { ITEM_TYPE_ATTRIBUTE, type Item, guardKeys as keys } from './item-keys.js';
import { TTL_ATTRIBUTE } from './table-schema.js';

/** {@link GuardStore} over the one table: Message-ID claims, rate and capped counters, suppressions. */
export class DynamoDbGuardStore implements GuardStore {
  constructor(private readonly table: DynamoDbTable) {}

  async claimRfcMessage(sender: string, rfcMessageId: string, inboundId: string): Promise<string> {
    const key = keys.rfcMessage(sender, rfcMessageId);
    const created = await this.table.putIfAbsent({ ...key, [ITEM_TYPE_ATTRIBUTE]: 'RFCMSG', inboundId });
    if (created) return inboundId;
    const existing = await this.table.getExisting<{ inboundId: string }>(key, `claim of ${rfcMessageId}`);
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
      const result = await this.table.update({
        Key: keys.rate(sender, window),
        UpdateExpression: `SET ${set}`,
        ConditionExpression: 'attribute_not_exists(#slot)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      return read(result.Attributes);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return read(await this.table.getItem(keys.rate(sender, window)));
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
      const result = await this.table.update({
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
      });
      return { admitted: true, position: Number(result.Attributes?.[slot]) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const item = await this.table.getItem(key);
      const position = item?.[slot];
      if (typeof position === 'number') return { admitted: true, position };
      return { admitted: false, position: Number(item?.count ?? cap) + 1 };
    }
  }

  async suppressAddress(record: SuppressionRecord): Promise<void> {
    await this.table.put({
      ...record,
      ...keys.suppressed(record.address),
      [ITEM_TYPE_ATTRIBUTE]: 'SUPPRESSED',
    });
  }

  async getSuppression(address: string): Promise<SuppressionRecord | undefined> {
    return this.table.get<SuppressionRecord>(keys.suppressed(address));
  }
}
