import type { GuardStore, SenderCount, SuppressionRecord } from '../../ports/guard-store.js';
import { type DynamoDbTable, isConditionalCheckFailed } from './dynamodb-table.js';
import { ITEM_TYPE_ATTRIBUTE, type Item, type ItemKey, guardKeys as keys } from './item-keys.js';
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
   * One counter item per sender and hour, holding each counted message's position (`slot#<inbound id>`)
   * and the first inbound id of each Message-ID (`rfc#<id>`): the count, the position and the resend
   * claim are one write, and a retried message finds its slot instead of counting again. Like
   * {@link countCapped}, nothing is written once `cap` messages are counted: a later message reads the
   * item and gets the position `cap + 1`, so the item never holds more than `cap` slots and claims.
   */
  async countSenderMail(
    sender: string,
    window: string,
    inboundId: string,
    cap: number,
    expiresAt: number,
    rfcMessageId?: string,
  ): Promise<SenderCount> {
    const { item, position } = await this.countInWindow(
      keys.rate(sender, window),
      'RATE',
      inboundId,
      cap,
      expiresAt,
      rfcMessageId,
    );
    const first = rfcMessageId === undefined ? undefined : item?.[`rfc#${rfcMessageId}`];
    return { position, ...(typeof first === 'string' ? { firstInboundId: first } : {}) };
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
    const { position } = await this.countInWindow(
      keys.capped(counter, window),
      'CAPPED',
      inboundId,
      cap,
      expiresAt,
    );
    return { admitted: position <= cap, position };
  }

  /**
   * Counts `inboundId` on the item at `key` while fewer than `cap` are counted there (claiming
   * `rfcMessageId` in the same write): its position, kept per inbound id, or `cap + 1` past the cap;
   * with the item as it stands after the count.
   */
  private async countInWindow(
    key: ItemKey,
    type: string,
    inboundId: string,
    cap: number,
    expiresAt: number,
    rfcMessageId?: string,
  ): Promise<{ item: Item | undefined; position: number }> {
    const slot = `slot#${inboundId}`;
    const names: Record<string, string> = {
      '#type': ITEM_TYPE_ATTRIBUTE,
      '#ttl': TTL_ATTRIBUTE,
      '#count': 'count',
      '#slot': slot,
    };
    const values: Record<string, unknown> = {
      ':type': type,
      ':ttl': expiresAt,
      ':zero': 0,
      ':one': 1,
      ':cap': cap,
    };
    let set =
      '#type = :type, #ttl = :ttl, #count = if_not_exists(#count, :zero) + :one, #slot = if_not_exists(#count, :zero) + :one';
    if (rfcMessageId !== undefined) {
      names['#rfc'] = `rfc#${rfcMessageId}`;
      values[':inbound'] = inboundId;
      set += ', #rfc = if_not_exists(#rfc, :inbound)';
    }
    let item: Item | undefined;
    try {
      const result = await this.table.update({
        Key: key,
        UpdateExpression: `SET ${set}`,
        ConditionExpression:
          'attribute_not_exists(#slot) AND (attribute_not_exists(#count) OR #count < :cap)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      item = result.Attributes;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Counted before (a retry keeps its place), or the cap is reached and nothing more is written.
      item = await this.table.getItem(key);
    }
    const position = item?.[slot];
    return { item, position: typeof position === 'number' ? position : Number(item?.count ?? cap) + 1 };
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
